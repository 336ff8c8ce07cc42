"""The contract's fixed vocabulary: ids of regencies, segments, documents, routes,
channels, outcomes, requests and deadlines (the case fields are in ``language/fields.py``).

These names are API (see ``shared/spec/CONTRACT.md``): integrators and the
acceptance cases use them. Nothing here is configurable by a policy.
"""

from __future__ import annotations

from typing import Literal, get_args

from jknrules.language.text import Bilingual

RegencyId = Literal["karangasem", "batang", "malinau"]
REGENCIES: dict[str, str] = {"karangasem": "5107", "batang": "3325", "malinau": "6502"}
BPS_TO_REGENCY: dict[str, str] = {code: rid for rid, code in REGENCIES.items()}

Segment = Literal["pbi_apbn", "pbi_apbd", "pbpu_bp_pemda", "pbpu_mandiri", "ppu", "none"]
SEGMENTS: tuple[str, ...] = ("pbi_apbn", "pbi_apbd", "pbpu_bp_pemda", "pbpu_mandiri", "ppu", "none")

DocumentId = Literal[
    "kk",
    "ktp",
    "surat_keterangan_emergency",
    "surat_rawat_inap",
    "surat_rujukan",
    "surat_kontrol",
    "surat_keterangan_lahir",
    "surat_berhenti_bekerja",
    "struk_pembayaran",
    "surat_keterangan_dokter",
    "sktm",
    "surat_pertanggungjawaban_mutlak",
    "rekomendasi_dinsos",
    "surat_keterangan_sakit",
]

#: Document catalog: id -> its name in both languages.
DOCUMENTS: dict[str, Bilingual] = {
    "kk": Bilingual("Fotocopy Kartu Keluarga (KK)", "Copy of the family card (KK)"),
    "ktp": Bilingual("Fotocopy Kartu Tanda Penduduk (KTP)", "Copy of the identity card (KTP)"),
    "surat_keterangan_emergency": Bilingual("Surat Keterangan Emergency", "Emergency certificate"),
    "surat_rawat_inap": Bilingual(
        "Surat Keterangan Rawat Inap/Opname",
        "Inpatient (hospitalisation) certificate",
    ),
    "surat_rujukan": Bilingual("Surat Rujukan", "Referral letter"),
    "surat_kontrol": Bilingual("Surat Kontrol", "Follow-up (control) letter"),
    "surat_keterangan_lahir": Bilingual(
        "Surat keterangan lahir dari tempat bayi lahir",
        "Birth certificate letter from the place of birth",
    ),
    "surat_berhenti_bekerja": Bilingual(
        "Surat keterangan berhenti bekerja / surat pernyataan bermaterai dari Perbekel/Lurah",
        "Letter of termination of employment, or a stamped statement before the Perbekel/Lurah",
    ),
    "struk_pembayaran": Bilingual(
        "Struk pembayaran iuran Mandiri bulan pengajuan",
        "Receipt of the Mandiri premium for the month of application",
    ),
    "surat_keterangan_dokter": Bilingual("Surat keterangan dokter", "Doctor's certificate"),
    "sktm": Bilingual("Surat Keterangan Tidak Mampu (SKTM)", "Certificate of low income (SKTM)"),
    "surat_pertanggungjawaban_mutlak": Bilingual(
        "Surat Pertanggungjawaban Mutlak dari Kelurahan",
        "Statement of absolute responsibility from the kelurahan",
    ),
    "rekomendasi_dinsos": Bilingual(
        "Rekomendasi Dinas Sosial", "Recommendation of the Social Affairs Office"),
    "surat_keterangan_sakit": Bilingual(
        "Surat Keterangan Sakit (RS/Puskesmas)",
        "Certificate of illness (hospital/Puskesmas)",
    ),
}

RouteId = Literal[
    "regular_registration", "emergency_registration", "transfer_from_mandiri", "reactivation"
]
ROUTES: tuple[str, ...] = (
    "regular_registration",
    "emergency_registration",
    "transfer_from_mandiri",
    "reactivation",
)

ChannelId = Literal["counter", "online_group"]
CHANNELS: tuple[str, ...] = ("counter", "online_group")
#: How a channel is named to people (Indonesian, English).
CHANNEL_LABELS: dict[str, Bilingual] = {
    "counter": Bilingual("loket", "counter"),
    "online_group": Bilingual("grup WhatsApp 'Tim Koordinasi JKN' (di luar jam kerja)",
                              "after-hours WhatsApp group"),
}

Outcome = Literal[
    "not_covered",
    "needs_review",
    "ineligible",
    "already_registered",
    "redirected",
    "outside_intake_window",
    "incomplete",
    "accepted",
]
#: Most binding first: when several outcomes apply, the first one wins.
OUTCOME_PRECEDENCE: tuple[str, ...] = (
    "not_covered",
    "needs_review",
    "ineligible",
    "already_registered",
    "redirected",
    "outside_intake_window",
    "incomplete",
    "accepted",
)
#: How an outcome is named to people.
OUTCOME_LABELS: dict[str, Bilingual] = {
    "not_covered": Bilingual("Tidak ada layanan untuk permohonan ini", "No route for this request"),
    "needs_review": Bilingual("Perlu diputuskan petugas", "Needs an officer's review"),
    "ineligible": Bilingual("Tidak memenuhi syarat", "Ineligible"),
    "already_registered": Bilingual("Sudah terdaftar", "Already registered"),
    "redirected": Bilingual("Dialihkan ke segmen lain", "Redirected to another segment"),
    "outside_intake_window": Bilingual("Di luar jadwal penerimaan berkas", "Outside the intake window"),
    "incomplete": Bilingual("Berkas belum lengkap", "Incomplete"),
    "accepted": Bilingual("Diterima", "Accepted"),
}

#: Outcomes a policy rule may produce (the others come from the engine itself).
RuleOutcome = Literal["needs_review", "ineligible", "already_registered", "redirected", "incomplete"]

DEADLINES: tuple[str, ...] = (
    "response_due",
    "intake_opens",
    "intake_closes",
    "submit_to_bpjs_by",
    "expected_active_by",
    "next_service_opening",
)
#: How a deadline is named to people (Indonesian, English).
DEADLINE_LABELS: dict[str, Bilingual] = {
    "next_service_opening": Bilingual("Pelayanan buka kembali", "Service opens again"),
    "response_due": Bilingual("Batas waktu tanggapan", "Response due"),
    "intake_opens": Bilingual("Penerimaan berkas dibuka", "Intake opens"),
    "intake_closes": Bilingual("Penerimaan berkas ditutup", "Intake closes"),
    "submit_to_bpjs_by": Bilingual("Diajukan ke BPJS paling lambat", "Sent to BPJS by"),
    "expected_active_by": Bilingual("Perkiraan kepesertaan aktif", "Expected active by"),
}

Request = Literal["register", "transfer", "reactivate"]
REQUESTS: tuple[str, ...] = get_args(Request)


def normalize_regency(value: str) -> str:
    """A regency id or BPS code -> the regency id (unknown values pass through unchanged)."""
    text = value.strip().lower()
    return BPS_TO_REGENCY.get(text, text)
