"""The words of the pages (Loket, Kebijakan, Periksa, Pemantauan), in Bahasa Indonesia and English.

One table, so a page never mixes languages and a translation is a one-line change.
Contract names (outcomes, documents, deadlines, channels) come from
:mod:`jknrules.language.vocab`; what is here names the page's own headings, buttons and
field groups.
"""

from __future__ import annotations

from dataclasses import dataclass

from jknrules.audit.wording import SEGMENT_NAMES
from jknrules.language.text import Bilingual

#: The languages of the pages: Bahasa Indonesia first.
LANGS = ("id", "en")


def lang_of(value: str | None) -> str:
    """``en`` when asked for, otherwise Bahasa Indonesia (any other value included)."""
    return "en" if value == "en" else "id"


@dataclass(frozen=True, slots=True)
class Say:
    """The page's words in one language, with the other language at hand."""

    lang: str

    @property
    def other(self) -> str:
        return "en" if self.lang == "id" else "id"

    def __call__(self, key: str) -> str:
        return UI[key][0 if self.lang == "id" else 1]

    def alt(self, key: str) -> str:
        """The same words in the other language."""
        return UI[key][1 if self.lang == "id" else 0]

    def pick(self, pair: tuple[str, str] | Bilingual) -> str:
        if isinstance(pair, Bilingual):
            return pair.pick(self.lang)
        return pair[0 if self.lang == "id" else 1]


UI: dict[str, tuple[str, str]] = {
    "app": ("Layanan Pendaftaran JKN", "JKN enrollment service"),
    "nav.loket": ("Loket", "Counter"),
    "nav.kebijakan": ("Kebijakan", "Policies"),
    "nav.periksa": ("Periksa kebijakan", "Check a policy"),
    "switch": ("English", "Bahasa Indonesia"),
    "loket.title": ("Loket — periksa berkas pemohon", "Counter — check an applicant's file"),
    "loket.intro": ("Pilih kabupaten, isi data permohonan, centang dokumen yang dibawa "
                    "pemohon, lalu tekan Periksa. Isian yang tidak diketahui biarkan kosong.",
                    "Choose the regency, fill in the case, tick the documents the applicant "
                    "brought, then press Check. Leave unknown fields empty."),
    "loket.submit": ("Periksa", "Check"),
    "loket.print": ("Cetak tanda terima", "Print the receipt"),
    "loket.local": ("waktu setempat", "local time"),
    "loket.unset": ("— tidak diisi —", "— not given —"),
    "yes": ("Ya", "Yes"),
    "no": ("Tidak", "No"),
    "docs.mode": ("Kelengkapan berkas", "Completeness of the file"),
    "docs.checked": ("Periksa dokumen yang dibawa (centang di bawah)",
                     "Check the documents brought (tick below)"),
    "docs.ask": ("Pemohon hanya bertanya apa yang harus dibawa",
                 "The applicant only asks what to bring"),
    "errors.title": ("Isian belum benar", "Some entries are not valid"),
    "errors.intro": ("Perbaiki isian yang ditandai lalu tekan Periksa lagi.",
                     "Correct the marked entries and press Check again."),
    "hint": ("saran", "hint"),
    "result.title": ("Hasil pemeriksaan", "Decision"),
    "result.segment": ("Segmen tujuan", "Target segment"),
    "result.route": ("Layanan", "Route"),
    "result.routehead": ("Layanan dan kantor", "Route and office"),
    "result.office": ("Kantor", "Office"),
    "result.channel": ("Kanal", "Channel"),
    "result.steps": ("Langkah", "Steps"),
    "result.minutes": ("menit", "minutes"),
    "result.noroute": ("Tidak ada layanan yang berlaku untuk kasus ini.",
                       "No route applies to this case."),
    "result.docs": ("Daftar kelengkapan berkas", "Document checklist"),
    "result.missing": ("Dokumen kurang", "Missing documents"),
    "result.nomissing": ("Semua dokumen wajib sudah dibawa.",
                         "Every required document was brought."),
    "result.unchecked": ("Kelengkapan belum diperiksa: pemohon perlu membawa dokumen berikut.",
                         "Completeness not checked: the applicant must bring these documents."),
    "result.nodocs": ("Tidak ada dokumen wajib.", "No documents are required."),
    "doc.brought": ("ada", "brought"),
    "doc.missing": ("kurang", "missing"),
    "doc.bring": ("bawa", "bring"),
    "doc.why": ("alasan", "why"),
    "doc.source": ("dasar", "clause"),
    "result.deadlines": ("Jadwal dan tenggat", "Deadlines"),
    "result.nodeadlines": ("Tidak ada tenggat.", "No deadlines."),
    "result.reasons": ("Alasan", "Reasons"),
    "result.policy": ("Kebijakan yang memutuskan", "Deciding policy"),
    "assumption": ("Asumsi", "Assumption"),
    "receipt.title": ("Tanda Terima", "Receipt"),
    "receipt.subtitle": ("Daftar Kelengkapan Berkas", "Document checklist"),
    "receipt.submitted": ("Diterima pada", "Received on"),
    "receipt.applicant": ("Nama pemohon", "Applicant's name"),
    "receipt.nik": ("NIK", "NIK"),
    "receipt.outcome": ("Hasil", "Outcome"),
    "receipt.officer": ("Petugas", "Officer"),
    "receipt.printed": ("Dicetak", "Printed"),
    "receipt.print": ("Cetak", "Print"),
    "receipt.back": ("Kembali ke Loket", "Back to the counter"),
    "receipt.tick": ("Centang", "Tick"),
    "receipt.note": ("Simpan tanda terima ini. Bawa dokumen yang kurang ke kantor di atas.",
                     "Keep this receipt. Bring the missing documents to the office above."),
    "kebijakan.title": ("Kebijakan yang berlaku", "Policies in force"),
    "kebijakan.choose": ("Pilih kabupaten", "Choose a regency"),
    "kebijakan.asof": ("Berlaku pada tanggal", "In force on"),
    "kebijakan.show": ("Tampilkan", "Show"),
    "kebijakan.inforce": ("Versi yang berlaku", "Version in force"),
    "kebijakan.history": ("Riwayat versi", "Version history"),
    "kebijakan.period": ("Berlaku", "In force"),
    "kebijakan.documents": ("Dokumen", "Documents"),
    "kebijakan.changes": ("Perubahan dari versi sebelumnya", "Changes from the previous version"),
    "kebijakan.now": ("kini", "now"),
    "kebijakan.view": ("lihat", "view"),
    "kebijakan.compare": ("Bandingkan dua versi", "Compare two versions"),
    "kebijakan.from": ("Versi lama", "Old version"),
    "kebijakan.to": ("Versi baru", "New version"),
    "kebijakan.diff": ("Bandingkan", "Compare"),
    "kebijakan.sp": ("Standar Pelayanan", "Service standard"),
    "kebijakan.signed": ("Ditandatangani", "Signed by"),
    "diff.title": ("Perbedaan semantik", "Semantic differences"),
    "diff.none": ("Tidak ada perubahan semantik.", "No semantic change."),
    "diff.summary": ("Ringkasan", "Summary"),
    "diff.before": ("Sebelum", "Before"),
    "diff.after": ("Sesudah", "After"),
    "diff.source": ("Sumber", "Source"),
    "diff.service": ("Layanan", "Service"),
    "diff.back": ("Kembali ke kebijakan", "Back to the policy"),
    "periksa.title": ("Periksa berkas kebijakan", "Check a policy file"),
    "periksa.intro": ("Tempel isi berkas kebijakan YAML atau unggah berkasnya. Hasil "
                      "validasi dan pemeriksaan (celah, tumpang tindih, aturan mati) "
                      "ditampilkan dengan nomor baris. Tidak ada yang disimpan.",
                      "Paste a policy YAML or upload the file. The validation and check "
                      "results (gaps, overlaps, dead rules) are shown with line numbers. "
                      "Nothing is stored."),
    "periksa.paste": ("Tempel YAML", "Paste YAML"),
    "periksa.upload": ("atau unggah berkas", "or upload a file"),
    "periksa.submit": ("Periksa", "Check"),
    "periksa.valid": ("Valid: berkas kebijakan terbaca dan lolos validasi.",
                      "Valid: the policy file reads and passes validation."),
    "periksa.invalid": ("Tidak valid", "Not valid"),
    "periksa.findings": ("Temuan pemeriksaan", "Check findings"),
    "periksa.nofindings": ("Tidak ada temuan.", "No findings."),
    "periksa.acknowledged": ("Celah yang diakui (tidak menggagalkan)",
                             "Acknowledged gaps (not failures)"),
    "periksa.source": ("Isi berkas", "The file"),
    "periksa.line": ("baris", "line"),
    "periksa.empty": ("Tempel isi YAML atau pilih berkas terlebih dahulu.",
                      "Paste the YAML or choose a file first."),
    "periksa.limit": ("Ukuran paling besar", "Largest size"),
    "bytes": ("bita", "bytes"),
    "toolarge": ("Kiriman terlalu besar", "The request is too large"),
    "badform": ("Formulir tidak terbaca", "The form cannot be read"),
    "notfound": ("Halaman tidak ditemukan", "Page not found"),
    "unrecorded": ("Keputusan tidak dapat dicatat", "The decision cannot be recorded"),
    "decision_id": ("Nomor catatan keputusan", "Decision record"),
    # Pemantauan (jknrules.serve.pemantauan)
    "nav.pemantauan": ("Pemantauan", "Tracking"),
    "pemantauan.title": ("Pemantauan permohonan", "Tracking the applications"),
    "pemantauan.intro": ("Jumlah permohonan per kantor dan bulan penerimaan, tenggat yang "
                         "terlewat, dan peringatan. Tanpa NIK atau nama: hanya nomor berkas.",
                         "Applications per office and month of receipt, missed deadlines and "
                         "alerts. No NIK or names: case numbers only."),
    "pemantauan.asof": ("Keadaan pada", "As of"),
    "pemantauan.off": ("Pemantauan tidak aktif", "Tracking is off"),
    "pemantauan.regency": ("Kabupaten", "Regency"),
    "pemantauan.all": ("— semua —", "— all —"),
    "pemantauan.month": ("Bulan", "Month"),
    "pemantauan.counts": ("Per kantor dan bulan", "Per office and month"),
    "pemantauan.office": ("Kantor", "Office"),
    "pemantauan.received": ("Diterima", "Received"),
    "pemantauan.accepted": ("Lengkap", "Accepted"),
    "pemantauan.returned": ("Dikembalikan", "Returned"),
    "pemantauan.ontime": ("tepat waktu", "on time"),
    "pemantauan.late": ("terlambat", "late"),
    "pemantauan.nocases": ("Belum ada permohonan tercatat.", "No application recorded yet."),
    "pemantauan.overdue": ("Tenggat terlewat", "Overdue"),
    "pemantauan.nooverdue": ("Tidak ada tenggat yang terlewat.", "No deadline is overdue."),
    "pemantauan.case": ("Nomor berkas", "Case"),
    "pemantauan.deadline": ("Tenggat", "Deadline"),
    "pemantauan.due": ("Batas", "Due"),
    "pemantauan.lateby": ("Terlambat", "Late by"),
    "pemantauan.alerts": ("Peringatan", "Alerts"),
    "pemantauan.noalerts": ("Tidak ada peringatan.", "No alerts."),
    "pemantauan.newest": ("Terbaru lebih dahulu, paling banyak", "Newest first, at most"),
    "pemantauan.when": ("Waktu", "When"),
    "pemantauan.alert": ("Peringatan", "Alert"),
    "pemantauan.about": ("Tentang", "About"),
    "pemantauan.recap": ("Rekap bulanan ke BPJS", "Monthly recap to BPJS"),
    "pemantauan.recapnote": ("Rekap memuat data pribadi (NIK, nama, alamat) untuk dikirim ke "
                             "BPJS: simpan dan kirim dengan aman.",
                             "The recap holds personal data (NIK, names, addresses) to send to "
                             "BPJS: keep and send it safely."),
    "pemantauan.recapmonth": ("Bulan batas kirim", "Month of the cut-off"),
    "pemantauan.download": ("Unduh rekap", "Download the recap"),
    "forbidden": ("Kiriman ditolak", "The request is refused"),
    "signin.title": ("Masuk", "Sign in"),
    "signin.intro": ("Server ini hanya untuk petugas. Masukkan kunci Anda (kunci kantor atau "
                     "kunci petugas Anda sendiri).",
                     "This server is for officers only. Enter your key (the office's key or "
                     "your own officer key)."),
    "signin.key": ("Kunci", "Key"),
    "signin.submit": ("Masuk", "Sign in"),
    "signin.wrong": ("Kunci tidak dikenal. Periksa kembali kunci Anda.",
                     "Unknown key. Check your key again."),
    "signin.open": ("Server ini terbuka (hanya di mesin ini, tanpa kunci): tidak perlu masuk.",
                    "This server is open (this machine only, no keys): no sign-in needed."),
    "signin.as": ("Masuk sebagai", "Signed in as"),
    "signin.out": ("Keluar", "Sign out"),
}

#: The groups of the case form, by the part of the case they fill (``None``: top level).
PART_TITLES: dict[str | None, tuple[str, str]] = {
    None: ("Permohonan", "Request"),
    "applicant": ("Pemohon", "Applicant"),
    "welfare": ("Kesejahteraan (SIKS-NG/DTSEN)", "Welfare (SIKS-NG/DTSEN)"),
    "health": ("Kesehatan", "Health"),
    "newborn": ("Bayi baru lahir", "Newborn"),
    "employment": ("Pekerjaan", "Employment"),
    "household": ("Rumah tangga", "Household"),
    "membership": ("Kepesertaan JKN", "JKN membership"),
    "payment": ("Iuran", "Premium"),
}

#: How an enum value of a case field is shown in the form (a value without an entry is
#: shown as itself; a test checks that every value of the catalogue has one).
VALUE_LABELS: dict[tuple[str, str], tuple[str, str]] = {
    ("request", "register"): ("Pendaftaran baru", "New registration"),
    ("request", "transfer"): ("Peralihan dari PBPU Mandiri", "Transfer from PBPU Mandiri"),
    ("request", "reactivate"): ("Pengaktifan kembali", "Reactivation"),
    ("applicant.sex", "L"): ("Laki-laki", "Male"),
    ("applicant.sex", "P"): ("Perempuan", "Female"),
    ("welfare.dtks", "registered"): ("Terdaftar di DTKS", "Registered in DTKS"),
    ("welfare.dtks", "proposed"): ("Diusulkan ke DTKS", "Proposed for DTKS"),
    ("welfare.dtks", "none"): ("Tidak terdaftar", "Not registered"),
    ("membership.status", "none"): ("Belum pernah terdaftar", "Never registered"),
    ("membership.status", "active"): ("Aktif", "Active"),
    ("membership.status", "inactive"): ("Tidak aktif", "Inactive"),
    **{("membership.segment", s): ((SEGMENT_NAMES[s], SEGMENT_NAMES[s]) if s != "none"
                                   else ("Tidak ada", "None"))
       for s in SEGMENT_NAMES},
}

#: Indonesian and English names of the months and week days, for dates in words.
MONTHS = (("Januari", "January"), ("Februari", "February"), ("Maret", "March"),
          ("April", "April"), ("Mei", "May"), ("Juni", "June"), ("Juli", "July"),
          ("Agustus", "August"), ("September", "September"), ("Oktober", "October"),
          ("November", "November"), ("Desember", "December"))
WEEKDAYS = (("Senin", "Monday"), ("Selasa", "Tuesday"), ("Rabu", "Wednesday"),
            ("Kamis", "Thursday"), ("Jumat", "Friday"), ("Sabtu", "Saturday"),
            ("Minggu", "Sunday"))
