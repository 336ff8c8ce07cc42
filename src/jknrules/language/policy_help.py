"""Help text (Indonesian / English) for the policy fields an editor shows on hover.

Kept apart from the models so that ``policy.py`` stays readable; the models'
``json_schema_extra`` hook copies each entry into the generated schema.
"""

from __future__ import annotations

from typing import Any

FIELD_HELP: dict[str, str] = {
    "Policy.regency": "Id kabupaten: karangasem, batang atau malinau. / Regency id.",
    "Policy.name": "Nama resmi kabupaten. / Official regency name.",
    "Policy.bps_code": "Kode wilayah BPS (4 angka), harus cocok dengan kabupaten. / BPS code.",
    "Policy.time_zone": "Zona waktu: Asia/Makassar (WITA) atau Asia/Jakarta (WIB). / Time zone.",
    "Policy.offices": "Kantor/loket pelayanan, dirujuk dengan id oleh layanan. / Service offices.",
    "Policy.closed_days": "Hari tutup kantor selain libur nasional dan cuti bersama. / Extra "
    "closed days.",
    "Policy.versions": "Versi kebijakan, urut menurut tanggal berlaku. / Versions, in date order.",
    "Office.name": "Nama kantor atau loket. / Office or counter name.",
    "Office.address": "Alamat dan telepon. / Address and phone.",
    "ClosedDay.date": "Tanggal tutup (YYYY-MM-DD). / The closed date.",
    "ClosedDay.reason": "Alasan tutup. / Why the office is closed.",
    "ClosedDay.source": "Dasar penetapan (mis. nomor surat edaran). / The basis (e.g. circular).",
    "Version.effective_from": "Tanggal mulai berlaku (waktu setempat). / Date in force from.",
    "Version.documents": "Dokumen bertanda tangan yang menjadi sumber versi ini, dengan id. / "
    "The signed source documents, by id.",
    "SourceDocument.title": "Judul dokumen sesuai aslinya. / The document's title as signed.",
    "SourceDocument.kind": "SOP, Standar Pelayanan, atau Alur Pelayanan. / Document kind.",
    "SourceDocument.number": "Nomor dokumen, bila ada. / Document number, if any.",
    "SourceDocument.signed_by": "Pejabat yang menetapkan. / Who signed it.",
    "SourceDocument.legal_basis": "Dasar Hukum sebagaimana tertulis. / Legal basis as written.",
    "Signatory.name": "Nama dan gelar. / Name and titles.",
    "Signatory.position": "Jabatan. / Position.",
    "Signatory.nip": "NIP pejabat. / Civil-servant number.",
    "AcknowledgedGap.note": "Penjelasan mengapa celah ini diterima. / Why the gap is accepted.",
    "AcknowledgedGap.source": "Butir dokumen yang diam atau membatasi. / The clause concerned.",
    "Service.title": "Nama layanan sesuai dokumen. / Service name as in the document.",
    "Service.applies_when": "Kasus yang dilayani layanan ini (jalur). / Which cases take this route.",
    "Service.source": "Butir dokumen yang menetapkan layanan. / Clause defining the service.",
    "Service.target_segment": "Segmen kepesertaan hasil layanan. / Segment the applicant ends in.",
    "Service.rules": "Aturan kelayakan; semua dinilai, hasil paling mengikat menang. / "
    "Eligibility rules; all are evaluated, the most binding outcome wins.",
    "Service.documents": "Persyaratan dokumen. / Document requirements.",
    "Service.channels": "Kanal pelayanan, urutan menentukan pilihan bila sama-sama buka. / "
    "Channels; the first open one is chosen.",
    "Service.intake_window": "Tanggal penerimaan berkas setiap bulan. / Monthly intake days.",
    "Service.cutoff": "Batas bulanan pengajuan data ke BPJS. / Monthly cut-off to BPJS.",
    "Service.response_time": "Waktu Tanggapan. / Response time.",
    "Service.expected_activation": "Perkiraan kepesertaan aktif. / When coverage should be active.",
    "Service.steps": "Prosedur langkah demi langkah. / The procedure, step by step.",
    "Service.assumptions": "Asumsi tingkat layanan (dokumen diam atau bertentangan). / "
    "Service-level assumptions.",
    "Rule.id": "Id unik aturan dalam layanan (huruf kecil_dan_garis_bawah). / Unique rule id.",
    "Rule.when": "Syarat aturan berlaku. / When the rule fires.",
    "Rule.message": "Pesan untuk pemohon dan petugas. / Message for applicant and officer.",
    "Rule.source": "Butir dokumen sumber aturan. / Clause the rule encodes.",
    "Requirement.require": "Id dokumen yang wajib (lihat katalog dokumen). / Required document id.",
    "Requirement.any_of": "Cukup salah satu dokumen ini. / Any one of these documents.",
    "Requirement.source": "Butir Persyaratan yang menetapkan. / The requirement's clause.",
    "Requirement.assumption": "Asumsi bila dokumen diam atau bertentangan. / Assumption note.",
    "Channel.id": "counter (loket) atau online_group (grup di luar jam kerja). / Channel id.",
    "Channel.name": "Nama kanal yang dikenal pemohon. / Channel name.",
    "Channel.source": "Butir Waktu Pelayanan. / The service-hours clause.",
    "Channel.assumption": "Asumsi tentang jam pelayanan. / Assumption about the hours.",
    "Hours.mon": "Jam buka Senin, mis. [\"08:00-14:00\"]. / Monday hours.",
    "Hours.tue": "Jam buka Selasa. / Tuesday hours.",
    "Hours.wed": "Jam buka Rabu. / Wednesday hours.",
    "Hours.thu": "Jam buka Kamis. / Thursday hours.",
    "Hours.fri": "Jam buka Jumat. / Friday hours.",
    "Hours.sat": "Jam buka Sabtu (kosong: tutup). / Saturday hours (empty: closed).",
    "Hours.sun": "Jam buka Minggu (kosong: tutup). / Sunday hours (empty: closed).",
    "IntakeWindow.from_day": "Tanggal pertama penerimaan setiap bulan. / First intake day.",
    "IntakeWindow.to_day": "Tanggal terakhir penerimaan setiap bulan. / Last intake day.",
    "IntakeWindow.source": "Butir yang menetapkan jendela. / The window's clause.",
    "IntakeWindow.assumption": "Asumsi tentang jendela. / Assumption about the window.",
    "Cutoff.day": "Tanggal batas; hari tutup mundur ke hari kerja sebelumnya. / Cut-off day; a "
    "closed day moves to the previous working day.",
    "Cutoff.source": "Butir yang menetapkan batas. / The cut-off's clause.",
    "Cutoff.assumption": "Asumsi tentang batas. / Assumption about the cut-off.",
    "Step.actor": "Pelaksana (Pemohon, Petugas, BPJS Kesehatan, …). / Who acts.",
    "Step.action": "Kegiatan sesuai dokumen. / The action as written.",
    "Step.minutes": "Waktu langkah dalam menit, bila dokumen menyebutnya. / Minutes, if stated.",
    "Step.source": "Butir/langkah dokumen. / The step's clause.",
    "Assumption.about": "Bagian yang dimaksud (mis. cutoff, welfare.desil). / What it is about.",
    "Assumption.note": "Isi asumsi. / The assumption.",
    "Assumption.source": "Butir dokumen yang diam atau bertentangan. / The clause concerned.",
    "Service.fee": "Biaya/Tarif layanan sesuai dokumen. / The service's fee as stated.",
    "Fee.amount_idr": "Jumlah dalam Rupiah (0 = gratis). / Amount in rupiah (0 = free).",
    "Fee.text": "Bunyi dokumen, mis. 'Tidak dipungut Biaya (Gratis)'. / The document's words.",
    "Fee.source": "Butir Biaya/Tarif. / The fee clause.",
    "Notice.id": "Id pemberitahuan (kode alasan notice.<id>). / Notice id (reason code "
    "notice.<id>).",
    "Notice.message": "Isi pemberitahuan bagi pemohon. / What the applicant is told.",
    "Notice.source": "Butir dokumen yang menjadi dasar. / The clause it rests on.",
    "Notice.assumption": "Asumsi, bila dokumen diam. / Assumption, where the document is silent.",
    "Condition.equals": "Kolom sama dengan nilai ini. / The field equals this value.",
}
for _kind in ("ResponseTime", "Activation"):
    FIELD_HELP.update({
        f"{_kind}.months": "Bulan kalender. / Calendar months.",
        f"{_kind}.days": "Hari kalender. / Calendar days.",
        f"{_kind}.working_days": "Hari kerja (Senin–Jumat, bukan libur). / Working days.",
        f"{_kind}.hours": "Jam. / Hours.",
        f"{_kind}.minutes": "Menit. / Minutes.",
        f"{_kind}.source": "Butir dokumen yang menetapkan waktu ini. / The clause.",
        f"{_kind}.assumption": "Asumsi tentang cara menghitung. / How it is read.",
    })


def add_help(schema: dict[str, Any], model: type) -> None:
    """``json_schema_extra`` hook: fill each property's description from FIELD_HELP."""
    for name, prop in schema.get("properties", {}).items():
        text = FIELD_HELP.get(f"{model.__name__}.{name}")
        if text and "description" not in prop:
            prop["description"] = text
