"""The officers both Telegram benchmarks drive: their chats, the script each one types, and the database they need.

Shared by `bench.telegram` (in-process) and `bench.telegram_webhook` (end to end), which otherwise import
nothing of each other.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import sessionmaker

from bot.app import initialise
from storage import people
from storage.models import Role

REPORT = [
    "/lapor", "1", "Banjarmasin Utara", "Kel. Sungai Jingah", "2 jam lalu",
    "Sekitar 200 mahasiswa berunjuk rasa menolak hasil pleno", "Aliansi Mahasiswa", "200", "tinggi",
    "Koordinasi dengan Polresta", "lewati", "lewati", "kirim",
]
FIRST_CHAT = 10_000


def prepare_db(url: str, chats: int) -> None:
    """Migrate the database and give each benchmark chat an officer of Kota Banjarmasin (idempotent)."""
    engine = initialise(url).engine
    now = datetime.now(UTC)
    with sessionmaker(engine).begin() as session:
        office = people.get_office_by_region(session, "63.71") or people.add_office(
            session, "63.71", "Kesbangpol Kota Banjarmasin", "Asia/Makassar", now)
        for n in range(chats):
            address = str(FIRST_CHAT + n)
            if people.get_identity(session, "telegram", address) is None:
                invite = people.add_invite(session, office, Role.OFFICER, now, name=f"Petugas {n}")
                people.redeem_invite(session, invite.code, "telegram", address, now)
    engine.dispose()
