"""The message catalogue `{key: {"id": …, "en": …}}` and `t(key, lang, **params)`."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("id", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    # Engine: the behaviour every flow shares.
    "engine.cancelled": {
        "id": "Dibatalkan. Draf tidak disimpan.",
        "en": "Cancelled. The draft was not saved.",
    },
    "engine.nothing_to_cancel": {
        "id": "Tidak ada yang sedang diisi. Ketik /bantuan untuk melihat perintah.",
        "en": "Nothing is in progress. Send /help to see the commands.",
    },
    "engine.at_first_step": {
        "id": "Ini sudah pertanyaan pertama.",
        "en": "This is already the first question.",
    },
    "engine.optional_hint": {
        "id": "(boleh dilewati: ketik 'lewati')",
        "en": "(optional: send 'skip')",
    },
    "engine.pick_one": {
        "id": "Ada beberapa yang cocok. Pilih satu, atau ketik nama yang lebih lengkap:",
        "en": "Several match. Pick one, or type more of the name:",
    },
    "engine.review.title": {"id": "Periksa kembali sebelum dikirim:", "en": "Check before sending:"},
    "engine.review.ask": {
        "id": "Kirim sekarang, ubah salah satu isian, atau batalkan?",
        "en": "Send now, change one of the answers, or cancel?",
    },
    "engine.review.submit": {"id": "Kirim", "en": "Send"},
    "engine.review.edit": {"id": "Ubah", "en": "Change"},
    "engine.review.cancel": {"id": "Batal", "en": "Cancel"},
    "engine.edit.ask": {"id": "Isian mana yang ingin diubah?", "en": "Which answer do you want to change?"},
    "engine.empty": {"id": "-", "en": "-"},
    "engine.expired": {
        "id": "Draf {flow} Anda tidak dilanjutkan lebih dari {hours} jam, jadi sudah dihapus.",
        "en": "Your {flow} draft was idle for more than {hours} hours, so it was discarded.",
    },
    "engine.busy": {
        "id": "Anda sedang mengisi {flow}. Jawab pertanyaan di bawah, atau ketik 'batal' untuk membatalkan.",
        "en": "You are filling in a {flow}. Answer the question below, or send 'cancel' to stop.",
    },
    "engine.unknown_command": {
        "id": "Perintah tidak dikenal. Ketik /bantuan untuk melihat perintah.",
        "en": "Unknown command. Send /help to see the commands.",
    },
    "engine.idle": {
        "id": "Ketik /lapor untuk melaporkan kejadian, atau /bantuan untuk melihat semua perintah.",
        "en": "Send /report to report an incident, or /help to see all commands.",
    },
    "engine.error": {
        "id": "Maaf, terjadi gangguan di sistem. Jawaban terakhir Anda belum tersimpan; silakan kirim ulang.",
        "en": "Sorry, something went wrong on our side. Your last answer was not saved; please send it again.",
    },
    # Engine: multi-select and repeating-group steps (rakor minutes, any flow).
    "engine.multi.hint": {
        "id": ("Boleh pilih beberapa: ketik nomornya dipisah koma (misalnya 1, 3), "
               "atau ketuk satu per satu lalu Selesai."),
        "en": ("You may pick several: type their numbers separated by commas (e.g. 1, 3), "
               "or tap them one by one, then Done."),
    },
    "engine.multi.other_hint": {
        "id": "Yang tidak ada di daftar: ketik namanya, misalnya 1, 3, Satpol PP.",
        "en": "Not in the list: type its name, e.g. 1, 3, Satpol PP.",
    },
    "engine.multi.selected": {"id": "Terpilih: {items}", "en": "Selected: {items}"},
    "engine.multi.done": {"id": "Selesai", "en": "Done"},
    "engine.group.add": {"id": "Tambah lagi", "en": "Add another"},
    "engine.group.done": {"id": "Selesai", "en": "Done"},
    "engine.group.skip_hint": {
        "id": "(tidak ada? ketik 'lewati')",
        "en": "(none? send 'skip')",
    },
    "engine.group.edit_item": {"id": "Ubah {n}", "en": "Change {n}"},
    "engine.group.remove_item": {"id": "Hapus {n}", "en": "Remove {n}"},
    "engine.group.to_review": {"id": "Kembali ke ringkasan", "en": "Back to the summary"},
    "engine.group.menu": {
        "id": "Pilih nomor yang ingin diubah atau dihapus, tambah yang baru, atau kembali ke ringkasan.",
        "en": "Pick an item to change or remove, add a new one, or go back to the summary.",
    },
    "engine.group.current": {"id": "Isian sekarang: {item}", "en": "Currently: {item}"},
    "error.multi_empty": {
        "id": "Pilih sedikitnya satu.",
        "en": "Pick at least one.",
    },
    "error.multi_choice": {
        "id": "\"{item}\" tidak ada di daftar. Balas dengan nomor atau nama pilihan, dipisah koma.",
        "en": "\"{item}\" is not one of the options. Reply with their numbers or names, separated by commas.",
    },
    # Channel adapters' own words.
    "channel.location_button": {"id": "Kirim lokasi saya", "en": "Send my location"},
    "telegram.private_only": {
        "id": "Laporan dikirim lewat obrolan pribadi dengan @{bot}, bukan di grup.",
        "en": "Reports are filed in a private chat with @{bot}, not in a group.",
    },
    "menu.report": {"id": "Laporkan kejadian", "en": "Report an incident"},
    "menu.myreports": {"id": "Laporan terakhir Anda", "en": "Your latest reports"},
    "menu.language": {"id": "Ganti bahasa (id/en)", "en": "Switch language (id/en)"},
    "menu.help": {"id": "Daftar perintah", "en": "List of commands"},
    "menu.cancel": {"id": "Batalkan isian yang sedang berjalan", "en": "Cancel what you are filling in"},
    "menu.nihil": {"id": "Tidak ada kejadian hari ini", "en": "Nothing to report today"},
    "menu.pause": {"id": "Jeda pengingat laporan harian", "en": "Pause the daily check-ins"},
    "menu.rakor": {"id": "Rakor yang akan datang", "en": "Upcoming rakor"},
    "menu.minutes": {"id": "Catat notulen rakor", "en": "Record rakor minutes"},
    "menu.agreements": {"id": "Kesepakatan terbuka dan terlambat", "en": "Open and overdue agreements"},
    "menu.reports": {"id": "Laporan terbaru di wilayah Anda", "en": "Latest reports in your area"},
    "menu.digest": {"id": "Ringkasan 24 jam terakhir", "en": "The last 24 hours' digest"},
    "menu.status": {"id": "Tindak lanjut laporan", "en": "Follow up a report"},
    "menu.rawan": {"id": "Peta rawan konflik", "en": "Conflict-risk map"},
    "menu.new_rakor": {"id": "Jadwalkan rakor", "en": "Schedule a rakor"},
    "menu.web": {"id": "Buka tampilan web", "en": "Open the web view"},
    "console.location_hint": {
        "id": "(di konsol: !lokasi LINTANG,BUJUR, misalnya !lokasi -3.3194,114.5908)",
        "en": "(in the console: !location LAT,LON, for example !location -3.3194,114.5908)",
    },
    "console.banner": {
        "id": "Konsol Siaga. Ketik /bantuan untuk perintah; lampirkan foto dengan !foto BERKAS. Ctrl-D untuk keluar.",
        "en": "Siaga console. Send /help for commands; attach a photo with !photo FILE. Ctrl-D to quit.",
    },
    "console.no_file": {"id": "Berkas tidak ditemukan: {path}", "en": "File not found: {path}"},
    "whatsapp.location_hint": {
        "id": "(bagikan lokasi: tekan 📎 lalu Lokasi, atau ketik LINTANG,BUJUR, misalnya -3.3194,114.5908)",
        "en": "(share a location: tap 📎 then Location, or type LAT,LON, for example -3.3194,114.5908)",
    },
    # Parser errors: the engine puts the question again below them.
    "error.choice": {
        "id": "Pilihan tidak dikenali. Balas dengan nomor atau nama pilihan.",
        "en": "That is not one of the options. Reply with its number or its name.",
    },
    "error.not_optional": {
        "id": "Pertanyaan ini wajib dijawab.",
        "en": "This question cannot be skipped.",
    },
    "error.text_required": {"id": "Mohon jawab dengan teks.", "en": "Please answer in text."},
    "error.too_short": {
        "id": "Terlalu singkat: tulis minimal {min} huruf.",
        "en": "Too short: write at least {min} characters.",
    },
    "error.too_long": {
        "id": "Terlalu panjang: maksimal {max} huruf.",
        "en": "Too long: at most {max} characters.",
    },
    "error.not_a_number": {
        "id": "Tulis sebuah angka, misalnya 150.",
        "en": "Write a number, for example 150.",
    },
    "error.number_range": {
        "id": "Angka harus antara {min} dan {max}.",
        "en": "The number must be between {min} and {max}.",
    },
    "error.when": {
        "id": "Waktu tidak dikenali. Contoh: sekarang, 2 jam lalu, kemarin 14:00, 21/11 08.30.",
        "en": "I could not read that time. Examples: now, 2 hours ago, yesterday 14:00, 21/11 08.30.",
    },
    "error.when_time_missing": {
        "id": "Sebutkan juga jamnya, misalnya {example}.",
        "en": "Please add the time of day, for example {example}.",
    },
    "error.when_future": {
        "id": "Waktu itu belum terjadi. Laporkan kejadian yang sudah atau sedang berlangsung.",
        "en": "That time is in the future. Report something that has happened or is happening.",
    },
    "error.when_too_old": {
        "id": "Waktu itu lebih dari {days} hari yang lalu. Periksa tanggalnya.",
        "en": "That is more than {days} days ago. Please check the date.",
    },
    "error.location": {
        "id": "Kirim lokasi lewat tombol/lampiran, atau tulis koordinat seperti -3.3194, 114.5908.",
        "en": "Share a location with the button/attachment, or type coordinates like -3.3194, 114.5908.",
    },
    "error.location_range": {
        "id": "Koordinat itu di luar wilayah Indonesia. Periksa kembali.",
        "en": "Those coordinates are outside Indonesia. Please check them.",
    },
    "error.media": {
        "id": "Kirim foto atau dokumen sebagai lampiran, atau ketik 'lewati'.",
        "en": "Send a photo or document as an attachment, or send 'skip'.",
    },
    # Flow names, as used inside other sentences.
    "flow.incident": {"id": "laporan kejadian", "en": "incident report"},
    "flow.profile": {"id": "profil", "en": "profile"},
    # Incident report flow.
    "incident.category.ask": {"id": "Jenis kejadian apa?", "en": "What kind of incident?"},
    "incident.category.field": {"id": "Kategori", "en": "Category"},
    "incident.kecamatan.ask": {
        "id": "Di kecamatan mana? Ketik nama kecamatan (sebagian juga boleh), atau bagikan lokasi kejadian.",
        "en": "In which kecamatan? Type its name (part of it is fine), or share the location.",
    },
    "incident.kecamatan.field": {"id": "Kecamatan", "en": "Kecamatan"},
    "incident.kecamatan.none": {
        "id": "Tidak ada kecamatan di wilayah tugas Anda yang cocok dengan \"{query}\".",
        "en": "No kecamatan in your area matches \"{query}\".",
    },
    "incident.kecamatan.outside": {
        "id": "Kecamatan itu di luar wilayah tugas Anda. Laporkan hanya kejadian di wilayah Anda.",
        "en": "That kecamatan is outside your area. Report only incidents in your own area.",
    },
    "incident.place.ask": {
        "id": "Di desa/kelurahan atau tempat mana tepatnya?",
        "en": "Which desa/kelurahan or place exactly?",
    },
    "incident.place.field": {"id": "Tempat", "en": "Place"},
    "incident.occurred_at.ask": {
        "id": "Kapan terjadinya? Contoh: sekarang, 2 jam lalu, kemarin 14:00, 21/11 08.30 ({zone}).",
        "en": "When did it happen? Examples: now, 2 hours ago, yesterday 14:00, 21/11 08.30 ({zone}).",
    },
    "incident.occurred_at.field": {"id": "Waktu", "en": "Time"},
    "incident.description.ask": {
        "id": "Apa yang terjadi? Ceritakan singkat.",
        "en": "What happened? Describe it briefly.",
    },
    "incident.description.field": {"id": "Uraian", "en": "Description"},
    "incident.actors.ask": {
        "id": "Siapa pihak atau kelompok yang terlibat?",
        "en": "Which people or groups are involved?",
    },
    "incident.actors.field": {"id": "Pihak terlibat", "en": "Involved"},
    "incident.crowd_size.ask": {
        "id": "Perkiraan jumlah massa (orang)?",
        "en": "Estimated crowd size (people)?",
    },
    "incident.crowd_size.field": {"id": "Jumlah massa", "en": "Crowd size"},
    "incident.severity.ask": {"id": "Seberapa serius?", "en": "How serious is it?"},
    "incident.severity.field": {"id": "Tingkat", "en": "Severity"},
    "incident.action_taken.ask": {
        "id": "Tindakan apa yang sudah diambil?",
        "en": "What action has been taken?",
    },
    "incident.action_taken.field": {"id": "Tindakan", "en": "Action taken"},
    "incident.location.ask": {
        "id": "Bagikan lokasi kejadian, atau tulis koordinatnya.",
        "en": "Share the incident's location, or type its coordinates.",
    },
    "incident.location.field": {"id": "Lokasi", "en": "Location"},
    "incident.kecamatan.located": {
        "id": "Lokasi yang Anda bagikan berada di Kecamatan {label}. Ketuk untuk memakainya, "
              "atau ketik nama kecamatan lain.",
        "en": "The location you shared is in Kecamatan {label}. Tap to use it, or type another kecamatan.",
    },
    "incident.kecamatan.nearest": {
        "id": "Titik yang Anda bagikan tidak berada di dalam kecamatan mana pun (di air atau di tepi pantai). "
              "Kecamatan terdekat: {label}, sekitar {distance} m dari titik itu. Ketuk untuk memakainya, "
              "atau ketik nama kecamatan lain.",
        "en": "The point you shared lies outside every kecamatan (on the water or the shore). The nearest is "
              "Kecamatan {label}, about {distance} m away. Tap to use it, or type another kecamatan.",
    },
    "incident.kecamatan.nowhere": {
        "id": "Titik itu tidak berada di kecamatan mana pun yang dikenal Siaga (di laut, atau di luar Kalimantan). "
              "Periksa lokasinya, atau ketik nama kecamatan.",
        "en": "That point is not in any kecamatan Siaga knows (at sea, or outside Kalimantan). "
              "Check the location, or type the kecamatan's name.",
    },
    "incident.location.nowhere": {
        "id": "Titik itu tidak berada di kecamatan mana pun yang dikenal Siaga (di laut, atau di luar Kalimantan). "
              "Periksa lokasinya dan kirim lagi, atau ketik 'lewati'.",
        "en": "That point is not in any kecamatan Siaga knows (at sea, or outside Kalimantan). "
              "Check it and send it again, or send 'skip'.",
    },
    "incident.kecamatan_check.ask": {
        "id": "Lokasi yang Anda bagikan berada di luar kecamatan yang Anda pilih. Kecamatan mana yang benar?",
        "en": "The location you shared is outside the kecamatan you chose. Which kecamatan is right?",
    },
    "incident.kecamatan_check.field": {"id": "Cek kecamatan", "en": "Kecamatan check"},
    "incident.kecamatan_check.keep": {"id": "Tetap {name}", "en": "Keep {name}"},
    "incident.kecamatan_check.change": {"id": "Ganti ke {name}", "en": "Change to {name}"},
    "incident.photo.ask": {"id": "Kirim foto kejadian, bila ada.", "en": "Send a photo of the incident, if any."},
    "incident.photo.field": {"id": "Foto", "en": "Photo"},
    "incident.photo.count": {"id": "{count} lampiran", "en": "{count} attachment(s)"},
    "incident.saved": {
        "id": "Laporan {number} tersimpan. Terima kasih.",
        "en": "Report {number} is saved. Thank you.",
    },
    "severity.rendah": {"id": "Rendah", "en": "Low"},
    "severity.sedang": {"id": "Sedang", "en": "Medium"},
    "severity.tinggi": {"id": "Tinggi", "en": "High"},
    "status.baru": {"id": "baru", "en": "new"},
    "status.terverifikasi": {"id": "terverifikasi", "en": "verified"},
    "status.ditangani": {"id": "ditangani", "en": "being handled"},
    "status.selesai": {"id": "selesai", "en": "closed"},
    "status.ditolak": {"id": "ditolak", "en": "rejected"},
    # Profile flow: asked once after joining when the invite carried no name.
    "profile.name.ask": {"id": "Siapa nama lengkap Anda?", "en": "What is your full name?"},
    "profile.name.field": {"id": "Nama", "en": "Name"},
    "profile.saved": {"id": "Terima kasih, {name}. Profil tersimpan.", "en": "Thank you, {name}. Profile saved."},
    # Joining.
    "onboarding.unknown_sender": {
        "id": (
            "Nomor/akun ini belum terdaftar di Siaga. Minta kode undangan kepada admin "
            "Kesbangpol Anda, lalu kirim: daftar KODE"
        ),
        "en": (
            "This number/account is not registered with Siaga. Ask your Kesbangpol admin "
            "for an invite code, then send: join CODE"
        ),
    },
    "onboarding.welcome": {
        "id": "Selamat datang di Siaga. Anda terdaftar sebagai {role} di {office}.",
        "en": "Welcome to Siaga. You are registered as {role} at {office}.",
    },
    "onboarding.already": {
        "id": "Anda sudah terdaftar di {office}.",
        "en": "You are already registered at {office}.",
    },
    "role.officer": {"id": "petugas", "en": "officer"},
    "role.head": {"id": "kepala kantor", "en": "head of office"},
    "role.admin": {"id": "admin", "en": "admin"},
    # One-shot commands.
    "help.text": {
        "id": (
            "Perintah Siaga:\n"
            "/lapor - laporkan kejadian\n"
            "/laporanku - laporan terakhir Anda\n"
            "/rakor - rakor yang akan datang\n"
            "/notulen - catat notulen rakor; /kesepakatan - kesepakatan terbuka dan terlambat\n"
            "/bahasa en - ganti bahasa ke Inggris\n"
            "/bantuan - pesan ini\n"
            "Saat mengisi: 'kembali' ke pertanyaan sebelumnya, 'lewati' untuk isian opsional, "
            "'batal' untuk membatalkan."
        ),
        "en": (
            "Siaga commands:\n"
            "/report - report an incident\n"
            "/myreports - your latest reports\n"
            "/rakor - upcoming rakor\n"
            "/minutes - record rakor minutes; /agreements - open and overdue agreements\n"
            "/language id - switch to Indonesian\n"
            "/help - this message\n"
            "While answering: 'back' to the previous question, 'skip' for optional answers, "
            "'cancel' to stop."
        ),
    },
    "myreports.none": {"id": "Anda belum pernah mengirim laporan.", "en": "You have not sent any reports yet."},
    "myreports.title": {"id": "Laporan terakhir Anda:", "en": "Your latest reports:"},
    "myreports.line": {
        "id": "{number} | {when} | {category} | {kecamatan} | {status}",
        "en": "{number} | {when} | {category} | {kecamatan} | {status}",
    },
    "language.set": {"id": "Bahasa: Indonesia.", "en": "Language: English."},
    "language.usage": {
        "id": "Pilih bahasa: /bahasa id (Indonesia) atau /bahasa en (English).",
        "en": "Choose a language: /language id (Indonesian) or /language en (English).",
    },
    # Hardening (issue 13): limits, clearer matching errors, invite throttling, console attachments.
    "incident.kecamatan.did_you_mean": {
        "id": "Tidak ada kecamatan bernama \"{query}\". Mungkin maksud Anda: {names}?",
        "en": "No kecamatan is called \"{query}\". Did you mean: {names}?",
    },
    "error.when_date": {
        "id": "Tanggal {date} tidak ada di kalender. Periksa tanggal dan bulannya.",
        "en": "There is no date {date} in the calendar. Check the day and the month.",
    },
    "error.when_clock": {
        "id": "Jam {clock} tidak ada: tulis jam antara 00:00 dan 23:59.",
        "en": "There is no time {clock}: write a time between 00:00 and 23:59.",
    },
    "engine.cancel_confirm": {
        "id": "Semua isian akan hilang. Ketik 'batal' sekali lagi untuk membatalkan, atau lanjutkan di bawah.",
        "en": "All answers will be lost. Send 'cancel' once more to discard them, or carry on below.",
    },
    "console.not_attachable": {
        "id": "Berkas {path} bukan foto atau dokumen (jpg, png, pdf, docx, xlsx...); tidak dilampirkan.",
        "en": "{path} is not a photo or document (jpg, png, pdf, docx, xlsx...); it was not attached.",
    },
    "console.too_big": {
        "id": "Berkas {path} lebih dari {mb} MB; tidak dilampirkan.",
        "en": "{path} is larger than {mb} MB; it was not attached.",
    },
    "onboarding.invite_invalid": {
        "id": "Kode undangan tidak berlaku. Periksa kembali kodenya atau minta kode baru kepada admin.",
        "en": "That invite code is not valid. Check it, or ask your admin for a new one.",
    },
    "onboarding.invite_throttled": {
        "id": "Terlalu banyak kode yang salah. Coba lagi setelah {minutes} menit, atau hubungi admin Anda.",
        "en": "Too many wrong codes. Try again in {minutes} minutes, or contact your admin.",
    },
    "error.message_too_long": {
        "id": "Pesan terlalu panjang ({length} huruf). Satu pesan paling banyak {max} huruf; tidak ada yang disimpan.",
        "en": "That message is too long ({length} characters). One message may have at most {max}; nothing was saved.",
    },
    # Peta rawan konflik: /rawan, the map, the monthly PDF, and the GPS check of the kecamatan.
    "rawan.not_allowed": {
        "id": "Maaf, peta rawan hanya untuk kepala kantor dan admin.",
        "en": "Sorry, the vulnerability map is for heads of office and admins only.",
    },
    "rawan.window_bad": {
        "id": "Rentang waktu tidak dikenali. Contoh: /rawan 30d (30 hari) atau /rawan 7d.",
        "en": "Unknown time span. For example: /rawan 30d (30 days) or /rawan 7d.",
    },
    "rawan.title": {
        "id": "Peta rawan konflik {region}, {period}. Kecamatan paling rawan:",
        "en": "Conflict vulnerability map of {region}, {period}. Most vulnerable kecamatan:",
    },
    "rawan.line": {
        "id": "{rank}. {kecamatan}: {score} ({band}), {reports} laporan",
        "en": "{rank}. {kecamatan}: {score} ({band}), {reports} reports",
    },
    "rawan.none": {
        "id": "Belum ada laporan dalam rentang ini.",
        "en": "No reports in this period.",
    },
    "rawan.unheard": {
        "id": "Tanpa laporan: {count} dari {total} kecamatan (tanpa skor; abu-abu berarsir di peta).",
        "en": "No reports: {count} of {total} kecamatan (no score; grey hatched on the map).",
    },
    "rawan.blind": {
        "id": "Belum ada kantor Siaga di {count} kab/kota: {names}.",
        "en": "No Siaga office yet in {count} regencies/cities: {names}.",
    },
    "rawan.no_office": {"id": "belum ada kantor Siaga", "en": "no Siaga office yet"},
    "rawan.explain.head": {
        "id": "{name} ({code}), periode {start} s.d. {end} {zone} ({days} hari)",
        "en": "{name} ({code}), window {start} to {end} {zone} ({days} days)",
    },
    "rawan.explain.rule": {
        "id": "bobot: {weights}; laporan satu kategori yang berselang paling lama {hours} jam adalah satu kejadian; "
              "penyusutan = 1 - {fall} x umur / {days} hari",
        "en": "weights: {weights}; reports of one category at most {hours} h apart are one event; "
              "decay = 1 - {fall} x age / {days} days",
    },
    "rawan.explain.none": {
        "id": "tidak ada laporan dalam periode ini: tanpa laporan, tanpa skor dan tingkat",
        "en": "no reports in the window: no score and no band (no reports)",
    },
    "rawan.explain.event": {"id": "kejadian {n}: {category}", "en": "event {n}: {category}"},
    "rawan.explain.report": {
        "id": "  {number}  {when}  {severity:<7} bobot {weight}  {note}",
        "en": "  {number}  {when}  {severity:<7} weight {weight}  {note}",
    },
    "rawan.explain.counted": {"id": "dihitung", "en": "counted"},
    "rawan.explain.same_event": {"id": "kejadian yang sama, tidak dihitung", "en": "same event, not counted"},
    "rawan.explain.contribution": {
        "id": "  bobot {weight} x penyusutan {decay} (laporan terakhir {age} hari sebelum akhir periode) = {contribution}",
        "en": "  weight {weight} x decay {decay} (latest report {age} days before the end) = {contribution}",
    },
    "rawan.explain.score": {
        "id": "skor = 100 x {raw} / ({raw} + {half}) = {score} (dibulatkan ke bawah) -> {band}",
        "en": "score = 100 x {raw} / ({raw} + {half}) = {score} (rounded down) -> {band}",
    },
    "rawan.period": {"id": "{start} s.d. {end}", "en": "{start} to {end}"},
    "rawan.band.rendah": {"id": "rendah", "en": "low"},
    "rawan.band.sedang": {"id": "sedang", "en": "medium"},
    "rawan.band.tinggi": {"id": "tinggi", "en": "high"},
    "rawan.band.none": {"id": "tanpa laporan", "en": "no reports"},
    # The web view (`/web`): the link in chat, then every page's words.
    "web.link": {
        "id": ("Tampilan web Siaga: buka tautan ini di peramban (berlaku {minutes} menit, hanya sekali pakai; "
               "jangan diteruskan):\n{url}"),
        "en": ("Siaga's web view: open this link in a browser (valid {minutes} minutes, once only; "
               "do not forward it):\n{url}"),
    },
    "web.unavailable": {
        "id": "Tampilan web belum diaktifkan di server ini. Hubungi operator Siaga.",
        "en": "The web view is not enabled on this server. Contact the Siaga operator.",
    },
    "web.nav.map": {"id": "Peta rawan", "en": "Vulnerability map"},
    "web.nav.reports": {"id": "Laporan", "en": "Reports"},
    "web.nav.downloads": {"id": "Unduh", "en": "Downloads"},
    "web.nav.rakor": {"id": "Rakor", "en": "Meetings"},
    "web.nav.logout": {"id": "Keluar", "en": "Sign out"},
    "web.signed_in": {"id": "{name} · {office}", "en": "{name} · {office}"},
    "web.login.title": {"id": "Masuk ke Siaga", "en": "Sign in to Siaga"},
    "web.login.lead": {
        "id": "Tautan masuk untuk {name} ({office}). Tekan tombol di bawah untuk masuk di peramban ini.",
        "en": "Sign-in link for {name} ({office}). Press the button below to sign in on this browser.",
    },
    "web.login.button": {"id": "Masuk", "en": "Sign in"},
    "web.logged_out": {
        "id": "Anda telah keluar. Kirim /web di chat Siaga untuk masuk lagi.",
        "en": "You have signed out. Send /web in the Siaga chat to sign in again.",
    },
    "web.error.title": {"id": "Tidak dapat dibuka", "en": "Cannot be opened"},
    "web.error.link_used": {
        "id": "Tautan masuk ini sudah dipakai. Kirim /web di chat Siaga untuk tautan baru.",
        "en": "This sign-in link has already been used. Send /web in the Siaga chat for a new one.",
    },
    "web.error.link_expired": {
        "id": "Tautan masuk ini sudah kedaluwarsa. Kirim /web di chat Siaga untuk tautan baru.",
        "en": "This sign-in link has expired. Send /web in the Siaga chat for a new one.",
    },
    "web.error.link_unknown": {
        "id": "Tautan masuk ini tidak dikenal. Kirim /web di chat Siaga untuk tautan baru.",
        "en": "This sign-in link is not known. Send /web in the Siaga chat for a new one.",
    },
    "web.error.signed_out": {
        "id": "Anda belum masuk, atau sesi Anda telah berakhir. Kirim /web di chat Siaga untuk tautan masuk.",
        "en": "You are not signed in, or your session has ended. Send /web in the Siaga chat for a sign-in link.",
    },
    "web.error.forbidden": {
        "id": "Halaman ini tidak ada atau berada di luar wilayah kantor Anda.",
        "en": "This page does not exist or lies outside your office's area.",
    },
    "web.error.not_found": {"id": "Halaman tidak ditemukan.", "en": "Page not found."},
    "web.error.csrf": {
        "id": "Formulir ini tidak berlaku lagi. Muat ulang halaman, lalu coba lagi.",
        "en": "This form is no longer valid. Reload the page and try again.",
    },
    "web.error.bad_request": {
        "id": "Isian tidak dapat dibaca: {what}.",
        "en": "The request could not be read: {what}.",
    },
    "web.error.internal": {
        "id": "Terjadi kesalahan di server. Coba lagi sebentar lagi; bila berulang, hubungi operator.",
        "en": "Something went wrong on the server. Try again shortly; if it persists, contact the operator.",
    },
    "web.error.home": {"id": "Ke halaman utama", "en": "To the start page"},
    "web.map.title": {"id": "Peta rawan {region}", "en": "Vulnerability map of {region}"},
    "web.map.days": {"id": "Jendela (hari terakhir)", "en": "Window (last days)"},
    "web.map.show": {"id": "Tampilkan", "en": "Show"},
    "web.map.summary": {
        "id": "{reports} laporan; {scored} dari {total} kecamatan memiliki laporan, {unheard} tanpa laporan.",
        "en": "{reports} reports; {scored} of {total} kecamatan have reports, {unheard} have none.",
    },
    "web.map.hint": {
        "id": "Klik kecamatan di peta untuk skor, penjelasan dan laporannya.",
        "en": "Click a kecamatan on the map for its score, explanation and reports.",
    },
    "web.map.waiting": {
        "id": "{count} laporan baru menunggu verifikasi »",
        "en": "{count} new reports await verification »",
    },
    "web.map.open": {"id": "Penjelasan dan laporan", "en": "Explanation and reports"},
    "web.map.table": {"id": "Peringkat kecamatan", "en": "Kecamatan ranking"},
    "web.col.rank": {"id": "Peringkat", "en": "Rank"},
    "web.col.kecamatan": {"id": "Kecamatan", "en": "Kecamatan"},
    "web.col.kabkota": {"id": "Kab/Kota", "en": "Regency/city"},
    "web.col.score": {"id": "Skor", "en": "Score"},
    "web.col.band": {"id": "Tingkat", "en": "Band"},
    "web.col.reports": {"id": "Laporan", "en": "Reports"},
    "web.col.number": {"id": "Nomor", "en": "Number"},
    "web.col.created": {"id": "Diterima", "en": "Received"},
    "web.col.category": {"id": "Kategori", "en": "Category"},
    "web.col.severity": {"id": "Keparahan", "en": "Severity"},
    "web.col.status": {"id": "Status", "en": "Status"},
    "web.kec.title": {"id": "Kecamatan {name}, {kabkota}", "en": "Kecamatan {name}, {kabkota}"},
    "web.kec.score": {
        "id": "Skor {score} ({band}) dari {reports} laporan, {period}.",
        "en": "Score {score} ({band}) from {reports} reports, {period}.",
    },
    "web.kec.none": {
        "id": "Tanpa laporan, {period}: belum terdengar apa pun, bukan berarti aman.",
        "en": "No reports, {period}: nothing heard yet, which does not mean calm.",
    },
    "web.kec.explain": {"id": "Cara skor dihitung", "en": "How the score is computed"},
    "web.kec.reports": {"id": "Laporan dalam jendela ini", "en": "Reports in this window"},
    "web.kec.all_reports": {"id": "Semua laporan kecamatan ini", "en": "All reports of this kecamatan"},
    "web.reports.title": {"id": "Laporan {office}", "en": "Reports of {office}"},
    "web.reports.count": {
        "id": "{total} laporan · halaman {page} dari {pages}",
        "en": "{total} reports · page {page} of {pages}",
    },
    "web.reports.none": {
        "id": "Tidak ada laporan yang cocok dengan filter ini.",
        "en": "No report matches these filters.",
    },
    "web.reports.prev": {"id": "« Sebelumnya", "en": "« Previous"},
    "web.reports.next": {"id": "Berikutnya »", "en": "Next »"},
    "web.f.since": {"id": "Dari tanggal", "en": "From"},
    "web.f.until": {"id": "Sampai tanggal", "en": "Until"},
    "web.f.any": {"id": "Semua", "en": "All"},
    "web.f.apply": {"id": "Terapkan", "en": "Apply"},
    "web.f.clear": {"id": "Hapus filter", "en": "Clear filters"},
    "web.report.title": {"id": "Laporan {number}", "en": "Report {number}"},
    "web.report.reporter": {"id": "Pelapor", "en": "Reporter"},
    "web.report.office": {"id": "Kantor", "en": "Office"},
    "web.report.received": {"id": "Diterima", "en": "Received"},
    "web.report.channel": {"id": "Kanal", "en": "Channel"},
    "web.report.photos": {"id": "Foto dan dokumen", "en": "Photos and documents"},
    "web.report.no_photos": {"id": "Tidak ada foto atau dokumen.", "en": "No photos or documents."},
    "web.report.photos_missing": {
        "id": "{count} berkas tidak tersimpan di server.",
        "en": "{count} file(s) were not stored on the server.",
    },
    "web.report.document": {"id": "Dokumen {n}", "en": "Document {n}"},
    "web.report.history": {"id": "Riwayat status", "en": "Status history"},
    "web.report.no_history": {"id": "Belum ada perubahan status.", "en": "No status change yet."},
    "web.report.change": {"id": "{from_} → {to}, oleh {by}", "en": "{from_} → {to}, by {by}"},
    "web.report.reason": {"id": "Alasan: {reason}", "en": "Reason: {reason}"},
    "web.report.audit": {"id": "Jejak audit: siapa melihat atau mengubah", "en": "Audit: who saw or changed it"},
    "web.audit.report.viewed": {"id": "dilihat di web", "en": "viewed on the web"},
    "web.audit.report.status": {"id": "status diubah", "en": "status changed"},
    "web.audit.other": {"id": "{action}", "en": "{action}"},
    "web.verify.title": {"id": "Verifikasi", "en": "Verification"},
    "web.verify.to": {"id": "Jadikan {status}", "en": "Mark {status}"},
    "web.verify.reject": {"id": "Tolak laporan", "en": "Reject report"},
    "web.verify.reason": {"id": "Alasan penolakan", "en": "Reason for rejecting"},
    "web.verify.reason_needed": {
        "id": "Tulis alasan penolakan (paling sedikit 5 huruf); pelapor akan membacanya.",
        "en": "Write the reason for rejecting (at least 5 letters); the reporter will read it.",
    },
    "web.verify.final": {
        "id": "Status ini sudah akhir; tidak ada perubahan lagi.",
        "en": "This status is final; no further change.",
    },
    "web.verify.note": {
        "id": "Pelapor diberi tahu lewat chat, seperti bila diubah dari tombol di chat.",
        "en": "The reporter is told in chat, as when it is changed from the chat buttons.",
    },
    "web.dl.title": {"id": "Unduh", "en": "Downloads"},
    "web.dl.reports": {"id": "Laporan kejadian", "en": "Incident reports"},
    "web.dl.reports_lead": {
        "id": "Semua laporan wilayah {office} yang kejadiannya dalam rentang tanggal ini (tanggal setempat).",
        "en": "Every report of {office}'s area whose incident falls in this date range (local dates).",
    },
    "web.dl.monthly": {"id": "Laporan bulanan (PDF)", "en": "Monthly report (PDF)"},
    "web.dl.month": {"id": "Bulan", "en": "Month"},
    "web.dl.get": {"id": "Unduh {fmt}", "en": "Download {fmt}"},
    "web.rakor.title": {"id": "Rakor dan kesepakatan", "en": "Meetings and agreements"},
    "web.rakor.upcoming": {"id": "Rakor mendatang", "en": "Upcoming meetings"},
    "web.rakor.none": {"id": "Tidak ada rakor terjadwal.", "en": "No meeting is scheduled."},
    "web.rakor.when": {"id": "{when} · {place}", "en": "{when} · {place}"},
    "web.rakor.rsvp.hadir": {"id": "hadir", "en": "attending"},
    "web.rakor.rsvp.tidak_hadir": {"id": "tidak hadir", "en": "not attending"},
    "web.rakor.rsvp.diwakilkan": {"id": "diwakilkan: {deputy}", "en": "sending a deputy: {deputy}"},
    "web.rakor.rsvp.none": {"id": "belum menjawab", "en": "no answer yet"},
    "web.rakor.agreements": {"id": "Kesepakatan terbuka", "en": "Open agreements"},
    "web.rakor.no_agreements": {"id": "Tidak ada kesepakatan terbuka.", "en": "No open agreement."},
    "web.rakor.col.text": {"id": "Kesepakatan", "en": "Agreement"},
    "web.rakor.col.owner": {"id": "Penanggung jawab", "en": "Owner"},
    "web.rakor.col.due": {"id": "Tenggat", "en": "Due"},
    "web.rakor.col.minutes": {"id": "Notulen", "en": "Minutes"},
    "web.rakor.overdue": {"id": "terlambat", "en": "overdue"},
    "web.rakor.undated": {"id": "tanpa tenggat", "en": "no due date"},
    "rawan.map.title": {"id": "Peta Rawan Konflik {region}", "en": "Conflict Vulnerability Map, {region}"},
    "rawan.map.subtitle": {"id": "{period} ({zone}) · {office}", "en": "{period} ({zone}) · {office}"},
    "rawan.map.legend": {"id": "Indeks kerawanan", "en": "Vulnerability index"},
    "rawan.map.band.rendah": {"id": "Rendah (0-32)", "en": "Low (0-32)"},
    "rawan.map.band.sedang": {"id": "Sedang (33-65)", "en": "Medium (33-65)"},
    "rawan.map.band.tinggi": {"id": "Tinggi (66 ke atas)", "en": "High (66 and above)"},
    "rawan.map.no_reports": {"id": "Tanpa laporan (tanpa skor)", "en": "No reports (no score)"},
    "rawan.map.no_office": {"id": "Belum ada kantor Siaga", "en": "No Siaga office yet"},
    "rawan.map.point": {"id": "Lokasi laporan ({severity})", "en": "Report location ({severity})"},
    "rawan.map.kabkota_border": {"id": "Batas kabupaten/kota", "en": "Regency/city border"},
    "rawan.map.north": {"id": "U", "en": "N"},
    "rawan.map.inset_near": {"id": "Perbesaran", "en": "Enlarged"},
    "rawan.map.left_out": {
        "id": "Di luar bingkai peta (rendah atau tanpa laporan): {names}.",
        "en": "Outside the frame (low or no reports): {names}.",
    },
    "rawan.map.no_boundaries": {
        "id": "Batas kecamatan {region} belum tersedia di Siaga; lihat tabel atau berkas CSV.",
        "en": "Siaga has no kecamatan boundaries for {region} yet; see the table or the CSV file.",
    },
    "rawan.map.counts": {
        "id": "{reports} laporan dari {scored} kecamatan. Tinggi {tinggi} · sedang {sedang} · rendah {rendah} · "
              "tanpa laporan {none} (dari {total} kecamatan).",
        "en": "{reports} reports from {scored} kecamatan. High {tinggi} · medium {sedang} · low {rendah} · "
              "no reports {none} (of {total} kecamatan).",
    },
    "rawan.map.source": {
        "id": "Sumber: {reports} laporan Siaga. Batas wilayah: cahyadsn/wilayah_boundaries (MIT); "
              "kode wilayah: Kepmendagri 300.2.2-2138/2025.",
        "en": "Sources: {reports} Siaga reports. Boundaries: cahyadsn/wilayah_boundaries (MIT); "
              "region codes: Kepmendagri 300.2.2-2138/2025.",
    },
    "rawan.report.caption": {
        "id": "Laporan peta rawan konflik {region}, {month}.",
        "en": "Conflict vulnerability report of {region}, {month}.",
    },
    # The monthly report, a naskah dinas (handlers/monthly_report.py).
    "monthly_report.government": {"id": "Pemerintah {region}", "en": "Government of {region}"},
    "monthly_report.province_of": {"id": "Provinsi {name}", "en": "{name} Province"},
    "monthly_report.head_of": {"id": "Kepala {unit} {region}", "en": "Head of the {unit}, {region}"},
    "monthly_report.governor": {"id": "Gubernur {province}", "en": "Governor of {province}"},
    "monthly_report.phone": {"id": "Telepon {phone}", "en": "Telephone {phone}"},
    "monthly_report.email": {"id": "Pos-el {email}", "en": "Email {email}"},
    "monthly_report.place_date": {"id": "{place}, {date}", "en": "{place}, {date}"},
    "monthly_report.number": {"id": "Nomor", "en": "Number"},
    "monthly_report.attachment": {"id": "Lampiran", "en": "Attachment"},
    "monthly_report.attachment_count": {"id": "1 (satu) lembar peta", "en": "1 (one) map"},
    "monthly_report.hal_label": {"id": "Hal", "en": "Subject"},
    "monthly_report.hal": {
        "id": "Laporan Peta Rawan Konflik {region} Bulan {month}",
        "en": "Conflict Vulnerability Report, {region}, {month}",
    },
    "monthly_report.yth": {"id": "Yth.", "en": "To:"},
    "monthly_report.title": {"id": "Laporan Peta Rawan Konflik", "en": "Conflict Vulnerability Report"},
    "monthly_report.title_period": {"id": "PERIODE {period}", "en": "PERIOD {period}"},
    "monthly_report.until": {"id": "{period} (s.d. pukul {time} {zone})", "en": "{period} (until {time} {zone})"},
    "monthly_report.footer": {
        "id": "Laporan Peta Rawan Konflik {region}, {month}",
        "en": "Conflict Vulnerability Report, {region}, {month}",
    },
    "monthly_report.page": {"id": "Halaman {page} dari {pages}", "en": "Page {page} of {pages}"},
    "monthly_report.section.intro": {"id": "A. Pendahuluan", "en": "A. Introduction"},
    "monthly_report.intro": {
        "id": "Laporan ini menyampaikan indeks kerawanan konflik tiap kecamatan di {region} ({total} kecamatan) "
              "selama {period}, yang dihitung dari laporan kejadian petugas Siaga, sebagai bahan kewaspadaan dini "
              "dan tindak lanjut. Semua waktu dalam {zone}.",
        "en": "This report gives the conflict vulnerability index of each kecamatan of {region} ({total} kecamatan) "
              "for {period}, computed from the incident reports of Siaga's officers, for early warning and "
              "follow-up. All times are {zone}.",
    },
    "monthly_report.method": {
        "id": "Metode: setiap kejadian diberi bobot menurut tingkatnya (rendah 1, sedang 3, tinggi 6) dan "
              "menyusut dari 1 di akhir periode sampai 0,25 di awalnya. Laporan dengan kecamatan dan kategori "
              "yang sama dalam 6 jam dihitung satu kejadian. Skor = 100 × R / (R + 6), R = jumlah bobot; skor "
              "ditampilkan dibulatkan ke bawah. Rendah di bawah 33, sedang 33 sampai di bawah 66, tinggi 66 ke atas. "
              "Kecamatan tanpa laporan tidak diberi skor.",
        "en": "Method: each event is weighted by severity (low 1, medium 3, high 6) and decays from 1 at the "
              "period's end to 0.25 at its start. Reports of the same kecamatan and category within 6 hours "
              "count as one event. Score = 100 × R / (R + 6), R = the sum of weights; scores are shown rounded "
              "down. Low below 33, medium 33 to below 66, high 66 and above. A kecamatan without reports has "
              "no score.",
    },
    "monthly_report.section.summary": {"id": "B. Ringkasan", "en": "B. Summary"},
    "monthly_report.summary": {
        "id": "Selama {period} tercatat {reports} laporan kejadian dari {scored} kecamatan, termasuk "
              "{tinggi_reports} laporan tingkat tinggi ({previous}: {previous_reports} laporan dari "
              "{previous_scored} kecamatan, {previous_tinggi_reports} tingkat tinggi). Menurut indeks kerawanan, "
              "kecamatan tingkat tinggi {tinggi}, sedang {sedang}, rendah {rendah} ({previous}: {previous_tinggi}, "
              "{previous_sedang}, {previous_rendah}); tanpa laporan {none} dari {total} kecamatan ({previous}: "
              "{previous_none}).",
        "en": "Incident reports in {period}: {reports} from {scored} kecamatan, {tinggi_reports} of high severity "
              "({previous}: {previous_reports} from {previous_scored} kecamatan, {previous_tinggi_reports} of high "
              "severity). Kecamatan by vulnerability band: high {tinggi}, medium {sedang}, low {rendah} "
              "({previous}: {previous_tinggi}, {previous_sedang}, {previous_rendah}); without reports {none} of "
              "{total} ({previous}: {previous_none}).",
    },
    "monthly_report.summary_top": {
        "id": "Kecamatan paling rawan: {names}.",
        "en": "Most vulnerable kecamatan: {names}.",
    },
    "monthly_report.summary_risen": {
        "id": "Tingkatnya naik dibanding {previous}: {names}.",
        "en": "In a higher band than in {previous}: {names}.",
    },
    "monthly_report.risen": {"id": "{name} (dari {was} menjadi {now})", "en": "{name} (from {was} to {now})"},
    "monthly_report.summary_blind": {
        "id": "{count} dari {total} kab/kota belum memiliki kantor Siaga; kecamatan di sana tidak terpantau "
              "(bagian F).",
        "en": "{count} of {total} regencies/cities have no Siaga office yet; their kecamatan are not monitored "
              "(section F).",
    },
    "monthly_report.col.reports_in": {"id": "Laporan {month}", "en": "Reports {month}"},
    "monthly_report.col.hot_in": {"id": "Kec. sedang/ tinggi {month}", "en": "Medium/ high kec. {month}"},
    "monthly_report.col.band_in": {"id": "Tingkat (skor) {month}", "en": "Band (score) {month}"},
    "monthly_report.no_office_mark": {"id": "* belum ada kantor Siaga", "en": "* no Siaga office yet"},
    "monthly_report.total": {"id": "Jumlah", "en": "Total"},
    "monthly_report.section.ranking": {"id": "C. Peringkat Kecamatan", "en": "C. Kecamatan Ranking"},
    "monthly_report.section.counts": {
        "id": "D. Jumlah Laporan per Kategori dan Tingkat",
        "en": "D. Reports by Category and Severity",
    },
    "monthly_report.section.tinggi": {"id": "E. Kejadian Tingkat Tinggi", "en": "E. High-Severity Incidents"},
    "monthly_report.tinggi_line": {
        "id": "{number} · {when} · {where} · {category} · {status}",
        "en": "{number} · {when} · {where} · {category} · {status}",
    },
    "monthly_report.tinggi_none": {
        "id": "Tidak ada kejadian tingkat tinggi dalam periode ini.",
        "en": "No high-severity incidents in this period.",
    },
    "monthly_report.tinggi_more": {
        "id": "Serta {count} laporan tingkat tinggi lainnya (daftar lengkap dalam ekspor laporan).",
        "en": "And {count} more high-severity reports (the full list is in the report export).",
    },
    "monthly_report.section.silent": {
        "id": "F. Wilayah Tanpa Laporan dan Tanpa Kantor Siaga",
        "en": "F. Areas Without Reports or Without a Siaga Office",
    },
    "monthly_report.blind": {
        "id": "Belum ada kantor Siaga di {count} kab/kota: {names}. Kecamatan di wilayah ini tidak terpantau Siaga.",
        "en": "No Siaga office yet in {count} regencies/cities: {names}. Siaga does not monitor their kecamatan.",
    },
    "monthly_report.unheard": {
        "id": "Tanpa laporan selama periode ini ({count} kecamatan): {names}. Tanpa laporan belum tentu aman; "
              "kecamatan ini tidak diberi skor.",
        "en": "No reports in this period ({count} kecamatan): {names}. No reports does not mean calm; these "
              "kecamatan have no score.",
    },
    "monthly_report.all_heard": {
        "id": "Setiap kecamatan yang terpantau Siaga memiliki laporan dalam periode ini.",
        "en": "Every kecamatan Siaga monitors has reports in this period.",
    },
    "monthly_report.section.closing": {"id": "G. Penutup", "en": "G. Closing"},
    "monthly_report.closing": {
        "id": "Demikian laporan ini disampaikan sebagai bahan pertimbangan dan tindak lanjut. Atas perhatian "
              "Bapak/Ibu, kami ucapkan terima kasih.",
        "en": "This report is submitted for your consideration and follow-up. Thank you for your attention.",
    },
    "monthly_report.nip": {"id": "NIP. {nip}", "en": "NIP {nip}"},
    "monthly_report.lampiran_of": {"id": "Lampiran", "en": "Attachment to the"},
    "monthly_report.lampiran_report": {"id": "Laporan {title}", "en": "report of the {title}"},
    "monthly_report.date_label": {"id": "Tanggal", "en": "Date"},
    "rawan.col.rank": {"id": "No", "en": "No"},
    "rawan.col.kecamatan": {"id": "Kecamatan", "en": "Kecamatan"},
    "rawan.col.kabkota": {"id": "Kab/Kota", "en": "Regency/City"},
    "rawan.col.score": {"id": "Skor", "en": "Score"},
    "rawan.col.band": {"id": "Tingkat", "en": "Band"},
    "rawan.col.events": {"id": "Kejadian", "en": "Events"},
    "rawan.col.reports": {"id": "Laporan", "en": "Reports"},
    "rawan.col.category": {"id": "Kategori", "en": "Category"},
    "rawan.csv.rank": {"id": "Peringkat", "en": "Rank"},
    "rawan.csv.code": {"id": "Kode", "en": "Code"},
    "rawan.csv.kecamatan": {"id": "Kecamatan", "en": "Kecamatan"},
    "rawan.csv.kabkota": {"id": "Kabupaten/kota", "en": "Regency/city"},
    "rawan.csv.score": {"id": "Skor", "en": "Score"},
    "rawan.csv.band": {"id": "Tingkat", "en": "Band"},
    "rawan.csv.events": {"id": "Kejadian", "en": "Events"},
    "rawan.csv.reports": {"id": "Laporan", "en": "Reports"},
    "rawan.csv.rendah": {"id": "Laporan rendah", "en": "Low reports"},
    "rawan.csv.sedang": {"id": "Laporan sedang", "en": "Medium reports"},
    "rawan.csv.tinggi": {"id": "Laporan tinggi", "en": "High reports"},
    "rawan.csv.raw": {"id": "R (jumlah bobot)", "en": "R (sum of weights)"},
    "rawan.csv.office": {"id": "Kantor Siaga", "en": "Siaga office"},
    "rawan.office.yes": {"id": "ada", "en": "yes"},
    "rawan.office.no": {"id": "belum ada", "en": "not yet"},
    "rawan.col.severity": {"id": "Tingkat", "en": "Severity"},
    "export.sheet": {"id": "Laporan kejadian", "en": "Incident reports"},
    "export.col.number": {"id": "Nomor", "en": "Number"},
    "export.page": {"id": "Halaman &P dari &N", "en": "Page &P of &N"},
    "export.col.occurred_at_iso": {"id": "Waktu kejadian (ISO 8601)", "en": "Occurred (ISO 8601)"},
    "export.col.occurred_at": {"id": "Waktu kejadian ({zone})", "en": "Occurred ({zone})"},
    "export.col.created_at_iso": {"id": "Waktu lapor (ISO 8601)", "en": "Reported (ISO 8601)"},
    "export.col.created_at": {"id": "Waktu lapor ({zone})", "en": "Reported ({zone})"},
    "export.col.category": {"id": "Kategori", "en": "Category"},
    "export.col.kecamatan_code": {"id": "Kode kecamatan", "en": "Kecamatan code"},
    "export.col.kecamatan": {"id": "Kecamatan", "en": "Kecamatan"},
    "export.col.kabkota": {"id": "Kabupaten/kota", "en": "Regency/city"},
    "export.col.place": {"id": "Tempat", "en": "Place"},
    "export.col.severity": {"id": "Tingkat", "en": "Severity"},
    "export.col.status": {"id": "Status", "en": "Status"},
    "export.col.reporter": {"id": "Pelapor", "en": "Reporter"},
    "export.col.description": {"id": "Uraian", "en": "Description"},
    "export.col.actors": {"id": "Pihak terlibat", "en": "Actors"},
    "export.col.crowd_size": {"id": "Perkiraan massa", "en": "Crowd size"},
    "export.col.crowd_size_text": {"id": "Perkiraan massa (teks)", "en": "Crowd size (as written)"},
    "export.col.action_taken": {"id": "Tindakan", "en": "Action taken"},
    "export.col.latitude": {"id": "Lintang", "en": "Latitude"},
    "export.col.longitude": {"id": "Bujur", "en": "Longitude"},
    "export.col.attachments": {"id": "Lampiran", "en": "Attachments"},
    "export.col.channel": {"id": "Kanal", "en": "Channel"},
    # Heads of office: access, alerts, verification, reading reports, the digest, check-ins, pauses.
    "access.refused": {
        "id": "Perintah ini tidak tersedia untuk Anda. Ketik /bantuan untuk melihat perintah Anda.",
        "en": "This command is not available to you. Send /help to see your commands.",
    },
    "flow.reject": {"id": "alasan penolakan", "en": "rejection reason"},
    "flow.checkin": {"id": "laporan harian", "en": "daily check-in"},
    "alert.text": {
        "id": (
            "⚠️ PERINGATAN - {severity}: {category}\n"
            "{number}\n"
            "Kecamatan: {kecamatan}\n"
            "Waktu: {when}\n"
            "Pelapor: {reporter} ({office})\n"
            "{quote}\n"
            "Tindak lanjut: pilih tindakan di bawah, atau balas /status {number} terverifikasi"
        ),
        "en": (
            "⚠️ ALERT - {severity}: {category}\n"
            "{number}\n"
            "Kecamatan: {kecamatan}\n"
            "Time: {when}\n"
            "Reported by: {reporter} ({office})\n"
            "{quote}\n"
            "Follow up: choose an action below, or reply /status {number} verified"
        ),
    },
    "alert.details": {"id": "Rincian", "en": "Details"},
    "status.colleague": {
        "id": "Laporan {number} sudah {status} oleh {by}. Tindak lanjut berikutnya: /laporan {number}",
        "en": "Report {number} is now {status}, by {by}. What comes next: /reports {number}",
    },
    "whatsapp.reply_hint": {
        "id": "(Balas nomornya. Bila ada pesan lain sesudah ini: balas pesan ini (geser ke kanan) dengan nomornya.)",
        "en": "(Reply with the number. If other messages came after this one: reply to this message "
              "(swipe right) with the number.)",
    },
    "alert.undelivered": {
        "id": "Peringatan {number} TIDAK SAMPAI ke {name} ({channel}: sudah lebih dari 24 jam tidak menulis ke Siaga). "
              "Mohon hubungi beliau langsung. Rincian: /laporan {number}",
        "en": "Alert {number} did NOT reach {name} ({channel}: has not written to Siaga for over 24 hours). "
              "Please contact them directly. Details: /reports {number}",
    },
    "alert.why_category": {
        "id": "(Diperingatkan karena {office} meminta peringatan untuk setiap laporan {category}.)",
        "en": "(Alerted because {office} asked to be alerted of every {category} report.)",
    },
    "status.action.terverifikasi": {"id": "Verifikasi", "en": "Verify"},
    "status.action.ditangani": {"id": "Ditangani", "en": "Being handled"},
    "status.action.selesai": {"id": "Selesai", "en": "Close"},
    "status.action.ditolak": {"id": "Tolak", "en": "Reject"},
    "status.usage": {
        "id": (
            "Tulis: /status NOMOR untuk melihat status, atau /status NOMOR terverifikasi | ditangani | "
            "selesai | ditolak [alasan]. Contoh: /status KJD-6371-2026-000001 terverifikasi"
        ),
        "en": (
            "Write: /status NUMBER to see its status, or /status NUMBER verified | handled | closed | "
            "rejected [reason]. Example: /status KJD-6371-2026-000001 verified"
        ),
    },
    "status.current": {"id": "Laporan {number} berstatus {status}.", "en": "Report {number} is {status}."},
    "status.by": {"id": " (oleh {by}, {when})", "en": " (by {by}, {when})"},
    "status.changed": {
        "id": "Status laporan {number} kini {status}. Pelapor sudah diberi tahu.",
        "en": "Report {number} is now {status}. The reporter has been told.",
    },
    "status.already": {
        "id": "Laporan {number} sudah berstatus {status}; tidak ada yang diubah.",
        "en": "Report {number} is already {status}; nothing was changed.",
    },
    "status.not_allowed": {
        "id": "Laporan {number} sudah berstatus {status}, jadi tidak bisa diubah menjadi {wanted}.",
        "en": "Report {number} is already {status}, so it cannot become {wanted}.",
    },
    "status.changed_meanwhile": {
        "id": "Laporan {number} baru saja diubah menjadi {status} oleh kepala lain; tidak ada yang diubah.",
        "en": "Report {number} was just set to {status} by another head; nothing was changed.",
    },
    "status.reporter": {
        "id": "Laporan Anda {number} kini berstatus {status} (oleh {by}).",
        "en": "Your report {number} is now {status} (by {by}).",
    },
    "reject.reason.ask": {
        "id": "Tulis alasan penolakan laporan ini (atau 'batal').",
        "en": "Write why this report is rejected (or 'cancel').",
    },
    "reject.reason.field": {"id": "Alasan", "en": "Reason"},
    "reports.not_found": {
        "id": "Laporan {number} tidak ditemukan di wilayah Anda.",
        "en": "Report {number} was not found in your area.",
    },
    "reports.filter_unknown": {
        "id": (
            "Saringan \"{text}\" tidak dikenali. Contoh: /laporan tinggi hari ini, /laporan unjuk rasa "
            "minggu ini, /laporan Banjarmasin Utara baru, atau /laporan NOMOR."
        ),
        "en": (
            "I could not read the filter \"{text}\". Examples: /reports high today, /reports demonstration "
            "this week, /reports Banjarmasin Utara new, or /reports NUMBER."
        ),
    },
    "reports.all": {"id": "semua", "en": "all"},
    "reports.none": {"id": "Tidak ada laporan ({filters}).", "en": "No reports ({filters})."},
    "reports.title": {
        "id": "Laporan terbaru {office} ({filters}), {count} teratas:",
        "en": "Latest reports of {office} ({filters}), top {count}:",
    },
    "reports.title.page": {
        "id": "Laporan {office} ({filters}), halaman {page}:",
        "en": "Reports of {office} ({filters}), page {page}:",
    },
    "reports.next": {"id": "Berikutnya: {command}", "en": "Next: {command}"},
    "reports.columns": {
        "id": "(nomor | waktu kejadian | kategori | kecamatan | tingkat | status)",
        "en": "(number | time of the incident | category | kecamatan | severity | status)",
    },
    "reports.line": {
        "id": "{number} | {when} | {category} | {kecamatan} | {severity} | {status}",
        "en": "{number} | {when} | {category} | {kecamatan} | {severity} | {status}",
    },
    "reports.more": {
        "id": "Rincian satu laporan: /laporan {example}",
        "en": "One report in full: /reports {example}",
    },
    "reports.period.today": {"id": "hari ini", "en": "today"},
    "reports.period.yesterday": {"id": "kemarin", "en": "yesterday"},
    "reports.period.week": {"id": "minggu ini", "en": "this week"},
    "reports.period.7days": {"id": "7 hari terakhir", "en": "last 7 days"},
    "reports.full.title": {"id": "Laporan {number} - status: {status}", "en": "Report {number} - status: {status}"},
    "reports.full.reporter": {
        "id": "Pelapor: {reporter} ({office}), dikirim {when} lewat {channel}",
        "en": "Reported by {reporter} ({office}), sent {when} via {channel}",
    },
    "reports.full.change": {"id": "- {status} oleh {by}, {when}", "en": "- {status} by {by}, {when}"},
    "reports.full.reason": {"id": "  Alasan: {reason}", "en": "  Reason: {reason}"},
    "reports.full.photos": {"id": "Lampiran laporan {number} ({count})", "en": "Attachments of {number} ({count})"},
    "reports.full.photos_missing": {
        "id": "{count} lampiran belum tersimpan di server dan tidak dapat ditampilkan.",
        "en": "{count} attachment(s) were not stored on the server and cannot be shown.",
    },
    "digest.title": {"id": "Ringkasan harian {office}\n{when}", "en": "Daily digest, {office}\n{when}"},
    "digest.total": {"id": "24 jam terakhir: {figure}", "en": "Last 24 hours: {figure}"},
    "digest.figure": {
        "id": "{count} (biasanya {average} per hari selama 7 hari sebelumnya; {change})",
        "en": "{count} (usually {average} a day over the 7 days before; {change})",
    },
    "digest.change.up": {"id": "naik {by}", "en": "up {by}"},
    "digest.change.down": {"id": "turun {by}", "en": "down {by}"},
    "digest.change.same": {"id": "sama", "en": "the same"},
    "digest.severity": {"id": "Menurut tingkat:", "en": "By severity:"},
    "digest.category": {"id": "Menurut kategori:", "en": "By category:"},
    "digest.tinggi": {
        "id": "Laporan tingkat tinggi (nomor | waktu kejadian | kategori | kecamatan | status):",
        "en": "High-severity reports (number | time of the incident | category | kecamatan | status):",
    },
    "digest.tinggi.line": {
        "id": "- {number} | {when} | {category} | {kecamatan} | {status}",
        "en": "- {number} | {when} | {category} | {kecamatan} | {status}",
    },
    "digest.top": {"id": "Kecamatan paling aktif: {kecamatan}", "en": "Most active kecamatan: {kecamatan}"},
    "digest.stale": {
        "id": "Masih berstatus baru setelah 24 jam: {count}",
        "en": "Still new after 24 hours: {count}",
    },
    "digest.rollup": {"id": "Per kabupaten/kota:", "en": "Per kabupaten/kota:"},
    "digest.rollup.line": {
        "id": ("- {office}: {total} laporan, {tinggi} tinggi, {stale} belum diverifikasi >24 jam, "
               "{silent} petugas tanpa laporan/nihil"),
        "en": ("- {office}: {total} reports, {tinggi} high, {stale} unverified >24 h, "
               "{silent} officers with no report/nihil"),
    },
    "digest.compliance": {"id": "Kepatuhan {day}:", "en": "Compliance on {day}:"},
    "digest.compliance.officers": {
        "id": "- Petugas tanpa laporan maupun nihil: {names}",
        "en": "- Officers with neither a report nor a nihil: {names}",
    },
    "digest.compliance.officers_none": {
        "id": "- Semua petugas mengirim laporan atau nihil.",
        "en": "- Every officer sent a report or a nihil.",
    },
    "digest.compliance.offices": {
        "id": "- Kantor kabupaten/kota tanpa laporan maupun nihil: {names}",
        "en": "- Kabupaten/kota offices with neither a report nor a nihil: {names}",
    },
    "digest.compliance.holiday": {
        "id": "Kepatuhan {day}: hari libur ({holiday}), tidak ada laporan harian yang diminta.",
        "en": "Compliance on {day}: a holiday ({holiday}), no daily check-in was asked for.",
    },
    "digest.chart.title": {
        "id": "Kejadian per hari menurut kategori - {office}",
        "en": "Incidents per day by category - {office}",
    },
    "digest.chart.ylabel": {"id": "laporan", "en": "reports"},
    "digest.chart.caption": {
        "id": "Kejadian 7 hari terakhir menurut waktu kejadian, sampai {when}, {office}",
        "en": "Incidents of the last 7 days by when they happened, up to {when}, {office}",
    },
    "checkin.answer.ask": {
        "id": "Laporan harian: hari ini Anda belum mengirim laporan. Ada kejadian yang perlu dilaporkan?",
        "en": "Daily check-in: you have not sent a report today. Is there anything to report?",
    },
    "checkin.answer.field": {"id": "Jawaban", "en": "Answer"},
    "checkin.nihil": {"id": "Nihil (tidak ada kejadian)", "en": "Nihil (nothing to report)"},
    "checkin.report": {"id": "Lapor kejadian", "en": "Report an incident"},
    "checkin.saved": {
        "id": "Tercatat: nihil untuk {day}. Terima kasih.",
        "en": "Recorded: nihil for {day}. Thank you.",
    },
    "pause.set": {
        "id": "Pengingat laporan harian dijeda sampai {day}. Ketik /jeda selesai untuk melanjutkan.",
        "en": "Daily check-ins are paused until {day}. Send /pause resume to resume them.",
    },
    "pause.resumed": {"id": "Pengingat laporan harian aktif kembali.", "en": "Daily check-ins are back on."},
    "pause.active": {
        "id": "Pengingat laporan harian dijeda sampai {day}.",
        "en": "Daily check-ins are paused until {day}.",
    },
    "pause.not_understood": {
        "id": "\"{text}\" tidak dipahami: jeda selalu dimulai hari ini dan dihitung dalam hari "
              "(untuk hari ini dan besok: /jeda 2 hari).",
        "en": "\"{text}\" was not understood: a pause always starts today and counts days "
              "(for today and tomorrow: /pause 2 days).",
    },
    "pause.usage": {
        "id": ("Tulis /jeda 3 hari untuk menjeda pengingat laporan harian (paling lama 30 hari), "
               "/jeda selesai untuk melanjutkan."),
        "en": "Send /pause 3 days to pause the daily check-ins (30 days at most), /pause resume to resume them.",
    },
    "help.head": {
        "id": (
            "Untuk kepala kantor:\n"
            "/laporan [saringan] - laporan terbaru di wilayah Anda (mis. /laporan tinggi hari ini)\n"
            "/laporan NOMOR - satu laporan lengkap dengan fotonya\n"
            "/status NOMOR terverifikasi|ditangani|selesai|ditolak - tindak lanjut laporan\n"
            "/ringkasan - ringkasan 24 jam terakhir dengan grafik\n"
            "/rawan [30d] - peta rawan konflik per kecamatan\n"
            "/web - peta, laporan dan verifikasi di peramban (tautan masuk sekali pakai)\n"
            "/rakor_baru - jadwalkan rakor\n"
            "/rakor_ubah, /rakor_batal - pindahkan atau batalkan rakor Anda (kepala/admin)"
        ),
        "en": (
            "For heads of office:\n"
            "/reports [filters] - latest reports in your area (e.g. /reports high today)\n"
            "/reports NUMBER - one report in full with its photos\n"
            "/status NUMBER verified|handled|closed|rejected - follow a report up\n"
            "/digest - the last 24 hours with a chart\n"
            "/rawan [30d] - the conflict vulnerability map by kecamatan\n"
            "/web - the map, reports and verification in a browser (a one-time sign-in link)\n"
            "/new_rakor - schedule a rakor\n"
            "/move_rakor, /cancel_rakor - move or cancel your rakor (heads/admins)"
        ),
    },
    "help.officer": {
        "id": "/nihil - tidak ada kejadian hari ini\n/jeda 3 hari - jeda pengingat laporan harian",
        "en": "/nihil - nothing to report today\n/pause 3 days - pause the daily check-ins",
    },
    "help.guest": {
        "id": ("Anda terdaftar sebagai tamu: Anda menerima undangan dan pengingat rakor dan dapat menjawabnya.\n"
               "/rakor - rakor Anda yang akan datang (waktu dan tempat)\n"
               "/kesepakatan - kesepakatan yang menjadi tanggung jawab Anda; "
               "/kesepakatan selesai NOMOR - tandai selesai\n"
               "/bahasa en - ganti bahasa"),
        "en": ("You are registered as a guest: you receive rakor invitations and reminders and can answer them.\n"
               "/rakor - your upcoming rakor (time and place)\n"
               "/agreements - the agreements you answer for; /agreements done NUMBER - mark one done\n"
               "/language id - switch language"),
    },

    # Rakor: scheduling, invitations and RSVPs, reminders, minutes and agreements.
    "flow.rsvp": {"id": "jawaban undangan rakor", "en": "rakor invitation answer"},
    "flow.rakor_new": {"id": "jadwal rakor", "en": "rakor schedule"},
    "flow.notulen": {"id": "notulen rakor", "en": "rakor minutes"},
    "flow.agreement": {"id": "tindak lanjut kesepakatan", "en": "agreement follow-up"},
    "role.guest": {"id": "tamu undangan rakor", "en": "rakor guest"},
    "engine.not_allowed": {
        "id": "Perintah itu hanya untuk kepala kantor dan admin.",
        "en": "That command is for heads of office and admins only.",
    },
    "guest.refused": {
        "id": "Maaf, sebagai tamu undangan Anda menerima undangan dan pengingat rakor; "
              "/rakor dan /kesepakatan menunjukkan rakor dan kesepakatan Anda.",
        "en": "Sorry, as a guest you receive rakor invitations and reminders; "
              "/rakor and /agreements show your rakor and agreements.",
    },
    "error.when_past": {
        "id": "Waktu itu sudah lewat. Tulis waktu rakor yang akan datang, misalnya besok 09:00 atau 30/11 13.30.",
        "en": "That time has passed. Give the coming meeting time, e.g. tomorrow 09:00 or 30/11 13.30.",
    },
    "error.when_too_far": {
        "id": "Terlalu jauh ke depan: paling lama {days} hari lagi.",
        "en": "Too far ahead: at most {days} days from now.",
    },
    "error.date": {
        "id": "Tanggal tidak dikenali. Contoh: 30/11, 30/11/2026, besok, 2 minggu.",
        "en": "I could not read that date. Examples: 30/11, 30/11/2026, tomorrow, 2 weeks.",
    },
    "error.date_past": {"id": "Tanggal itu sudah lewat.", "en": "That date has passed."},
    "error.date_future": {
        "id": "Tanggal itu belum tiba. Tulis tanggal rapat yang sudah berlangsung.",
        "en": "That date is still to come. Give the date of a meeting already held.",
    },
    "weekday.0": {"id": "Senin", "en": "Monday"},
    "weekday.1": {"id": "Selasa", "en": "Tuesday"},
    "weekday.2": {"id": "Rabu", "en": "Wednesday"},
    "weekday.3": {"id": "Kamis", "en": "Thursday"},
    "weekday.4": {"id": "Jumat", "en": "Friday"},
    "weekday.5": {"id": "Sabtu", "en": "Saturday"},
    "weekday.6": {"id": "Minggu", "en": "Sunday"},
    "institution.kesbangpol": {"id": "Kesbangpol", "en": "Kesbangpol"},
    "institution.kpu": {"id": "KPU", "en": "KPU"},
    "institution.bawaslu": {"id": "Bawaslu", "en": "Bawaslu"},
    "institution.tni": {"id": "TNI", "en": "TNI"},
    "institution.polri": {"id": "Polri", "en": "Polri"},
    "institution.kejaksaan": {"id": "Kejaksaan", "en": "Kejaksaan"},
    "institution.pemda": {"id": "Pemerintah daerah", "en": "Local government"},
    "institution.fkub": {"id": "FKUB", "en": "FKUB"},
    "rakor.invitation.title": {"id": "Undangan rakor", "en": "Rakor invitation"},
    "rakor.invitation.moved": {
        "id": "Rakor DIPINDAHKAN ke waktu baru",
        "en": "Rakor MOVED to a new time",
    },
    "rakor.gone": {"id": "Rakor ini tidak ditemukan lagi.", "en": "This rakor no longer exists."},
    "rakor.line.when": {"id": "Waktu: {when}", "en": "When: {when}"},
    "rakor.line.place": {"id": "Tempat: {place}", "en": "Where: {place}"},
    "rakor.line.agenda": {"id": "Agenda: {agenda}", "en": "Agenda: {agenda}"},
    "rakor.line.organiser": {"id": "Penyelenggara: {office}", "en": "Organised by: {office}"},
    "rsvp.answer.ask": {
        "id": "{invitation}\n\nApakah Anda akan hadir?",
        "en": "{invitation}\n\nWill you attend?",
    },
    "rsvp.answer.field": {"id": "Jawaban", "en": "Answer"},
    "rsvp.deputy.ask": {
        "id": "Siapa yang mewakili Anda? Tulis nama dan jabatannya.",
        "en": "Who will attend on your behalf? Give their name and position.",
    },
    "rsvp.deputy.field": {"id": "Wakil", "en": "Deputy"},
    "rsvp.hadir": {"id": "Hadir", "en": "Attending"},
    "rsvp.tidak_hadir": {"id": "Tidak hadir", "en": "Not attending"},
    "rsvp.diwakilkan": {"id": "Diwakilkan", "en": "Sending a deputy"},
    "rsvp.none": {"id": "belum menjawab", "en": "not answered"},
    "rsvp.saved.yes": {
        "id": "Terima kasih. Jawaban Anda untuk \"{title}\": {answer} {deputy}\nPengingat akan dikirim sebelum rakor.",
        "en": "Thank you. Your answer for \"{title}\": {answer} {deputy}\nYou will be reminded before the rakor.",
    },
    "rsvp.saved.no": {
        "id": "Terima kasih. Jawaban Anda untuk \"{title}\": {answer}.",
        "en": "Thank you. Your answer for \"{title}\": {answer}.",
    },
    "rsvp.closed.cancelled": {
        "id": "Undangan rakor \"{title}\" sudah ditutup: rakor ini DIBATALKAN. Jawaban Anda tidak diperlukan.",
        "en": "The invitation to the rakor \"{title}\" is closed: the rakor was CANCELLED. No answer is needed.",
    },
    "rsvp.closed.moved": {
        "id": "Tombol ini untuk waktu lama: rakor \"{title}\" sudah dipindahkan ke {when}. "
              "Jawablah undangan yang baru.",
        "en": "This button is for the old time: the rakor \"{title}\" was moved to {when}. "
              "Please answer the new invitation.",
    },
    "rsvp.closed.begun": {
        "id": "Undangan rakor \"{title}\" sudah ditutup: rakor sudah dimulai.",
        "en": "The invitation to the rakor \"{title}\" is closed: the rakor has begun.",
    },
    "rakor.cancelled": {
        "id": "Rakor \"{title}\" ({when}) oleh {office} DIBATALKAN.",
        "en": "The rakor \"{title}\" ({when}) by {office} is CANCELLED.",
    },
    "rakor.reminder": {
        "id": "Pengingat rakor ({soon}): \"{title}\"\nWaktu: {when}",
        "en": "Rakor reminder ({soon}): \"{title}\"\nWhen: {when}",
    },
    "rakor.reminder.unanswered": {
        "id": "Anda belum menjawab undangan ini. Apakah Anda akan hadir?",
        "en": "You have not answered this invitation yet. Will you attend?",
    },
    "rakor.soon.minutes": {"id": "{n} menit lagi", "en": "in {n} minutes"},
    "rakor.soon.hours": {"id": "{n} jam lagi", "en": "in {n} hours"},
    "rakor.soon.tomorrow": {"id": "besok", "en": "tomorrow"},
    "rakor.soon.days": {"id": "{n} hari lagi", "en": "in {n} days"},
    "rakor.line.was": {"id": "Sebelumnya: {when}", "en": "Was: {when}"},
    "rsvp.waiting_label": {
        "id": "undangan rakor \"{title}\" ({when})",
        "en": "invitation to the rakor \"{title}\" ({when})",
    },
    "rakor.reminder.deputy": {"id": "Diwakili oleh: {deputy}", "en": "Deputy: {deputy}"},
    "rakor_new.title.ask": {"id": "Judul rakor?", "en": "Title of the rakor?"},
    "rakor_new.title.field": {"id": "Judul", "en": "Title"},
    "rakor_new.starts_at.ask": {
        "id": "Kapan rakor dimulai? Contoh: besok 09:00, 30/11 13.30 ({zone}).",
        "en": "When does the rakor start? Examples: tomorrow 09:00, 30/11 13.30 ({zone}).",
    },
    "rakor_new.starts_at.field": {"id": "Waktu", "en": "When"},
    "rakor_new.place.ask": {"id": "Di mana tempatnya?", "en": "Where is it held?"},
    "rakor_new.place.field": {"id": "Tempat", "en": "Place"},
    "rakor_new.agenda.ask": {"id": "Agenda rakor?", "en": "The agenda?"},
    "rakor_new.agenda.field": {"id": "Agenda", "en": "Agenda"},
    "rakor_new.invitees.ask": {"id": "Siapa yang diundang?", "en": "Who is invited?"},
    "rakor_new.invitees.field": {"id": "Undangan", "en": "Invited"},
    "rakor_new.own_office": {"id": "Seluruh {office}", "en": "All of {office}"},
    "rakor_new.all_kabkota": {"id": "Semua kantor kab/kota", "en": "Every kab/kota office"},
    "rakor_new.saved": {
        "id": "Rakor #{id} dijadwalkan {when}. Undangan dikirim ke {count} orang.",
        "en": "Rakor #{id} is scheduled for {when}. Invitations go to {count} people.",
    },
    "rakor.list.none": {"id": "Tidak ada rakor yang akan datang.", "en": "No upcoming rakor."},
    "rakor.list.title": {"id": "Rakor yang akan datang:", "en": "Upcoming rakor:"},
    "rakor.list.item": {"id": "#{id} {title}\n   {when} | {place}", "en": "#{id} {title}\n   {when} | {place}"},
    "rakor.list.counts": {
        "id": "   Hadir {hadir} | Tidak hadir {tidak} | Diwakilkan {wakil} | Belum menjawab {belum}",
        "en": "   Attending {hadir} | Not attending {tidak} | Deputy {wakil} | No answer {belum}",
    },
    "rakor.list.yours": {"id": "   Jawaban Anda: {answer}", "en": "   Your answer: {answer}"},
    "rakor.list.silent": {"id": "   Belum menjawab: {names}", "en": "   Not answered: {names}"},
    "notulen.rakor.ask": {"id": "Notulen rakor yang mana?", "en": "Minutes of which rakor?"},
    "notulen.rakor.field": {"id": "Rakor", "en": "Rakor"},
    "notulen.rakor.unscheduled": {
        "id": "Rapat lain (tidak terjadwal di Siaga)", "en": "Another meeting (not in Siaga)",
    },
    "notulen.title.ask": {"id": "Judul rapat?", "en": "Title of the meeting?"},
    "notulen.title.field": {"id": "Judul", "en": "Title"},
    "notulen.held_on.ask": {
        "id": "Tanggal rapat? Contoh: hari ini, kemarin, 20/11.",
        "en": "Date of the meeting? Examples: today, yesterday, 20/11.",
    },
    "notulen.held_on.field": {"id": "Tanggal", "en": "Date"},
    "notulen.attendance.ask": {"id": "Lembaga apa saja yang hadir?", "en": "Which institutions attended?"},
    "notulen.attendance.field": {"id": "Kehadiran", "en": "Attendance"},
    "notulen.summary.ask": {"id": "Ringkasan pembahasan?", "en": "Summary of the discussion?"},
    "notulen.summary.field": {"id": "Ringkasan", "en": "Summary"},
    "notulen.agreements.field": {"id": "Kesepakatan", "en": "Agreements"},
    "notulen.agreements.text.ask": {"id": "Kesepakatan {n}: apa isinya?", "en": "Agreement {n}: what was agreed?"},
    "notulen.agreements.owner.ask": {
        "id": "Kesepakatan {n}: siapa penanggung jawabnya? Ketik nama kantor, lembaga (KPU, Polri, ...) atau tamu.",
        "en": "Agreement {n}: who is responsible? Type an office, an institution (KPU, Polri, ...) or a guest.",
    },
    "notulen.agreements.due_on.ask": {
        "id": "Kesepakatan {n}: tenggat waktunya? Contoh: 30/11, 2 minggu.",
        "en": "Agreement {n}: due date? Examples: 30/11, 2 weeks.",
    },
    "notulen.agreements.more": {
        "id": "Sudah {count} kesepakatan. Tambah kesepakatan lagi, atau selesai?",
        "en": "{count} agreement(s) so far. Add another, or done?",
    },
    "notulen.agreements.saved": {"id": "Kesepakatan {n} dicatat.", "en": "Agreement {n} noted."},
    "notulen.agreements.removed": {"id": "Kesepakatan {n} dihapus.", "en": "Agreement {n} removed."},
    "notulen.saved": {
        "id": "Notulen {number} tersimpan dengan {count} kesepakatan dan dikirim ke kepala kantor.",
        "en": "Minutes {number} saved with {count} agreement(s) and sent to the head of office.",
    },
    "notulen.notice": {"id": "Notulen {number}: {title} ({date})", "en": "Minutes {number}: {title} ({date})"},
    "notulen.notice.attendance": {"id": "Hadir: {names}", "en": "Present: {names}"},
    "notulen.notice.summary": {"id": "Ringkasan: {summary}", "en": "Summary: {summary}"},
    "notulen.notice.agreements": {"id": "Kesepakatan:", "en": "Agreements:"},
    "agreement.action.ask": {
        "id": "{heading} ({number}), tenggat {due}:\n{agreement}\n\nBagaimana perkembangannya?",
        "en": "{heading} ({number}), due {due}:\n{agreement}\n\nHow is it going?",
    },
    "agreement.heading": {"id": "Pengingat kesepakatan", "en": "Agreement reminder"},
    "agreement.heading.late": {"id": "Kesepakatan TERLAMBAT", "en": "Agreement OVERDUE"},
    "agreement.assigned": {
        "id": "Kesepakatan baru untuk Anda dari notulen {number} ({title}):\n#{id} {text}\nTenggat: {due}\n"
              "Anda akan diingatkan sebelum tenggat. Tutup bila selesai: /kesepakatan selesai {id}",
        "en": "A new agreement for you from minutes {number} ({title}):\n#{id} {text}\nDue: {due}\n"
              "You will be reminded before it is due. Close it when done: /agreements done {id}",
    },
    "agreement.no_due": {"id": "tanpa tenggat", "en": "no due date"},
    "agreement.progress_notice": {
        "id": "Perkembangan kesepakatan {number} ({who}): {text}\nCatatan: {note}",
        "en": "Progress on an agreement of {number} ({who}): {text}\nNote: {note}",
    },
    "agreement.action.field": {"id": "Tindak lanjut", "en": "Follow-up"},
    "agreement.action.done": {"id": "Selesai", "en": "Done"},
    "agreement.action.progress": {"id": "Catat perkembangan", "en": "Add a progress note"},
    "agreement.action.later": {"id": "Nanti saja", "en": "Later"},
    "agreement.note.ask": {"id": "Tulis perkembangannya.", "en": "Write the progress note."},
    "agreement.note.field": {"id": "Catatan", "en": "Note"},
    "agreement.already_done": {
        "id": "Kesepakatan ini sudah ditutup.",
        "en": "This agreement is already closed.",
    },
    "agreement.later": {"id": "Baik, akan diingatkan lagi.", "en": "All right, you will be reminded again."},
    "agreement.progress_saved": {"id": "Catatan perkembangan tersimpan.", "en": "Progress note saved."},
    "agreement.done_saved": {
        "id": "Kesepakatan ditandai selesai. Terima kasih.", "en": "Agreement marked done. Thank you.",
    },
    "agreement.done_notice": {
        "id": "Kesepakatan {number} selesai ({who}): {text}",
        "en": "Agreement of {number} done ({who}): {text}",
    },
    "agreement.line": {
        "id": "#{id} {text} | {owner} | tenggat {due} | {number}",
        "en": "#{id} {text} | {owner} | due {due} | {number}",
    },
    "agreement.line.late": {
        "id": "#{id} TERLAMBAT {text} | {owner} | tenggat {due} | {number}",
        "en": "#{id} OVERDUE {text} | {owner} | due {due} | {number}",
    },
    "agreement.unknown": {
        "id": "Tidak ada kesepakatan #{id} yang bisa Anda tutup. Lihat nomornya dengan /kesepakatan.",
        "en": "There is no agreement #{id} you can close. See the numbers with /agreements.",
    },
    "agreement.list.none": {"id": "Tidak ada kesepakatan yang terbuka.", "en": "No open agreements."},
    "agreement.list.overdue": {"id": "Kesepakatan terlambat ({count}):", "en": "Overdue agreements ({count}):"},
    "agreement.list.open": {"id": "Kesepakatan terbuka ({count}):", "en": "Open agreements ({count}):"},
    "agreement.list.hint": {
        "id": "Tutup yang sudah selesai: /kesepakatan selesai NOMOR",
        "en": "Close one that is done: /agreements done NUMBER",
    },
    "digest.undelivered": {
        "id": "Peringatan yang tidak sampai ({count}):",
        "en": "Alerts that did not arrive ({count}):",
    },
    "digest.undelivered.line": {"id": "- {number} ke {name} ({channel})", "en": "- {number} to {name} ({channel})"},
    "digest.rakor.upcoming": {"id": "Rakor 7 hari ke depan:", "en": "Rakor in the next 7 days:"},
    "digest.rakor.item": {
        "id": "- {title}, {when} (hadir {hadir} dari {total} undangan)",
        "en": "- {title}, {when} ({hadir} of {total} invitees attending)",
    },
    "digest.agreements.overdue": {"id": "Kesepakatan terlambat ({count}):", "en": "Overdue agreements ({count}):"},
    "digest.agreements.due_soon": {
        "id": "Kesepakatan jatuh tempo 7 hari ke depan ({count}):",
        "en": "Agreements due in the next 7 days ({count}):",
    },
    # Delivery: conversations the system starts, messages that did not arrive, flows that changed.
    "delivery.start_waiting": {
        "id": "Ada {flow} untuk Anda. Akan dibuka setelah {current} yang sedang Anda isi selesai.",
        "en": "There is a {flow} for you. It opens when you finish the {current} you are filling in.",
    },
    "delivery.reasked": {
        "id": "Pesan kami sebelumnya tidak terkirim. Ini pertanyaan terakhir lagi:",
        "en": "Our last message did not reach you. Here is the last question again:",
    },
    "engine.flow_changed": {
        "id": "Isian {flow} Anda tidak bisa dilanjutkan karena formulirnya sudah diubah. Silakan mulai lagi.",
        "en": "Your {flow} draft cannot be continued because the form has changed. Please start again.",
    },
    # Rakor moved or cancelled by chat (/rakor_ubah, /rakor_batal).
    "flow.rakor_move": {"id": "pemindahan rakor", "en": "rakor move"},
    "flow.rakor_cancel": {"id": "pembatalan rakor", "en": "rakor cancellation"},
    "rakor.list.manage": {
        "id": "Rakor yang dapat Anda ubah: {ids}. Pindahkan: /rakor_ubah {example}; batalkan: /rakor_batal {example}",
        "en": "Rakor you may change: {ids}. Move: /move_rakor {example}; cancel: /cancel_rakor {example}",
    },
    "rakor.manage.none": {
        "id": "Tidak ada rakor mendatang yang Anda selenggarakan.",
        "en": "You organise no upcoming rakor.",
    },
    "rakor.manage.unknown": {
        "id": "Tidak ada rakor #{id} mendatang yang Anda selenggarakan. Lihat nomornya dengan /rakor.",
        "en": "You organise no upcoming rakor #{id}. See the numbers with /rakor.",
    },
    "rakor.manage.gone": {
        "id": "Rakor #{id} sudah dibatalkan, sudah dimulai, atau bukan lagi wewenang Anda; tidak ada yang diubah.",
        "en": "Rakor #{id} has been cancelled, has begun, or is no longer yours to change; nothing was changed.",
    },
    "rakor_move.rakor.ask": {"id": "Rakor mana yang dipindahkan?", "en": "Which rakor is moving?"},
    "rakor_move.rakor.field": {"id": "Rakor", "en": "Rakor"},
    "rakor_move.starts_at.ask": {
        "id": "Waktu baru untuk \"{title}\" (sekarang {when})? Contoh: besok 09:00, 30/11 13.30 ({zone}).",
        "en": "New time for \"{title}\" (now {when})? Examples: tomorrow 09:00, 30/11 13.30 ({zone}).",
    },
    "rakor_move.starts_at.field": {"id": "Waktu baru", "en": "New time"},
    "rakor_move.saved": {
        "id": ("Rakor #{id} \"{title}\" dipindahkan ke {when}. {count} undangan diberi tahu dan diminta "
               "menjawab lagi; pengingat mengikuti waktu baru."),
        "en": ("Rakor #{id} \"{title}\" moved to {when}. {count} invitees are told and asked to answer again; "
               "reminders follow the new time."),
    },
    "rakor_move.same": {
        "id": "Rakor #{id} memang dijadwalkan pada waktu itu; tidak ada yang diubah.",
        "en": "Rakor #{id} is already at that time; nothing was changed.",
    },
    "rakor_move.too_late": {
        "id": "Waktu baru itu sudah lewat; tidak ada yang diubah. Mulai lagi dengan /rakor_ubah.",
        "en": "That new time has passed; nothing was changed. Start again with /move_rakor.",
    },
    "rakor_cancel.rakor.ask": {"id": "Rakor mana yang dibatalkan?", "en": "Which rakor is called off?"},
    "rakor_cancel.rakor.field": {"id": "Rakor", "en": "Rakor"},
    "rakor_cancel.confirm.ask": {
        "id": "Batalkan rakor \"{title}\" ({when})? {count} undangan akan diberi tahu.",
        "en": "Cancel the rakor \"{title}\" ({when})? {count} invitees will be told.",
    },
    "rakor_cancel.confirm.field": {"id": "Konfirmasi", "en": "Confirmation"},
    "rakor_cancel.yes": {"id": "Ya, batalkan rakor", "en": "Yes, cancel the rakor"},
    "rakor_cancel.no": {"id": "Tidak, tetap jadwalkan", "en": "No, keep it"},
    "rakor_cancel.saved": {
        "id": "Rakor #{id} \"{title}\" dibatalkan. {count} undangan diberi tahu.",
        "en": "Rakor #{id} \"{title}\" is cancelled. {count} invitees are told.",
    },
    "rakor_cancel.kept": {
        "id": "Rakor #{id} tidak dibatalkan.",
        "en": "Rakor #{id} is not cancelled.",
    },
}


def t(key: str, lang: str, **params: Any) -> str:
    """Render a catalogue entry in a language, falling back to Indonesian."""
    entry = CATALOGUE[key]
    text = entry.get(lang) or entry["id"]
    return text.format(**params) if params else text
