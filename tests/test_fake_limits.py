"""The fakes' enforcing mode: Telegram's flood limits and a Twilio sender's MPS, answered with 429s."""

from __future__ import annotations

import httpx

from tests.support.fake_telegram import FakeTelegram
from tests.support.fake_twilio import SENDER, FakeTwilio
from tests.support.ratelimit import Buckets, retry_after


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_refuses_beyond_its_burst_per_key_and_refills_at_its_rate():
    clock = Clock()
    buckets = Buckets(2.0, burst=2, slack=0.0, clock=clock)
    for _ in range(2):
        assert buckets.wait_for("a") == 0.0
        buckets.take("a")
    assert buckets.wait_for("a") == 0.5  # one token comes every half second
    assert buckets.wait_for("b") == 0.0  # another key has its own bucket
    clock.now += 0.5
    assert buckets.wait_for("a") == 0.0
    assert [retry_after(0.2), retry_after(1.0), retry_after(1.01)] == [1, 1, 2]


def test_a_bucket_forgives_a_request_that_came_a_little_early():
    clock = Clock()
    buckets = Buckets(1.0, burst=1, slack=0.05, clock=clock)
    buckets.take("chat")
    clock.now += 0.97  # paced at one a second, arrived 30 ms early
    assert buckets.wait_for("chat") == 0.0
    clock.now += 0.5
    buckets.take("chat")
    assert buckets.wait_for("chat") > 0.0


def send(fake: FakeTelegram, chat: int, text: str = "halo") -> httpx.Response:
    return httpx.post(f"{fake.url}/bot{fake.token}/sendMessage", json={"chat_id": chat, "text": text})


def test_fake_telegram_takes_every_send_unless_told_to_enforce_the_limits():
    with FakeTelegram() as fake:
        assert all(send(fake, 7001).status_code == 200 for _ in range(5))
        assert fake.refused == []


def test_fake_telegram_enforcing_answers_429_with_retry_after_per_chat_and_overall():
    with FakeTelegram() as fake:
        fake.enforce_limits(per_second=0.5, burst=3, per_chat=0.5)  # slow rates: the test's own pace is no matter
        assert send(fake, 7001).status_code == 200
        again = send(fake, 7001)  # the same chat within the second
        assert again.status_code == 429
        body = again.json()
        assert body["error_code"] == 429 and body["parameters"]["retry_after"] == 2
        assert [send(fake, chat).status_code for chat in (7002, 7003, 7004)] == [200, 200, 429]  # a burst of 3
        assert len(fake.refused) == 2
        accepted = [c for c in fake.calls_of("sendMessage") if c.result is not None]
        assert [int(c.params["chat_id"]) for c in accepted] == [7001, 7002, 7003]
        assert fake.calls_of("getMe") == [] and httpx.get(f"{fake.url}/bot{fake.token}/getMe").status_code == 200


def create(fake: FakeTwilio, sender: str = SENDER) -> httpx.Response:
    return httpx.post(f"{fake.url}/2010-04-01/Accounts/{fake.account_sid}/Messages.json",
                      data={"From": sender, "To": "whatsapp:+62811000001", "Body": "halo"},
                      auth=(fake.account_sid, fake.auth_token))


def test_fake_twilio_enforcing_refuses_a_senders_creates_beyond_its_mps_with_20429():
    with FakeTwilio() as fake:
        assert [create(fake).status_code for _ in range(3)] == [201] * 3  # not enforcing: all taken
        fake.enforce_mps(0.5, burst=2)  # a slow refill: the test's own pace is no matter
        assert [create(fake).status_code for _ in range(2)] == [201, 201]
        refused = create(fake)
        assert refused.status_code == 429 and refused.json()["code"] == 20429
        assert refused.json()["message"] == "Too Many Requests"
        assert create(fake, "whatsapp:+14155230000").status_code == 201  # another sender has its own MPS
        assert fake.refused == 1 and fake.count() == 6 and len(fake.accepted_at) == 6
