"""The review report as a ministry files it: the Word document in the format of Nghị định 30/2020/NĐ-CP, its PDF
rendition (read back with pdfplumber), and the PDF signed with a certificate the test makes (verified by pyHanko)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from datetime import date
from pathlib import Path

import docx
import pdfplumber
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm
from test_review_render import make_report

from cchc_flow.models.reports.review_docx import vn_date, write_docx
from cchc_flow.models.reports.review_pdf import FontMissing, write_pdf
from cchc_flow.models.rules.review_report import Evidence, ExplanationLine, Office, UnitTotals
from cchc_flow.models.rules.scores import DEFAULT_WEIGHTS, Part, score_units

OFFICE = Office(
    ministry="Bộ Y tế",
    unit="Văn phòng Bộ",
    symbol="VPB",
    place="Hà Nội",
    signer_title="Chánh Văn phòng",
    signer_name="Nguyễn Văn A",
    recipients=("Lãnh đạo Bộ (để báo cáo)", "Lưu: VT, VPB"),
)


def report():  # type: ignore[no-untyped-def]
    base = make_report()
    units = (
        *base.units,
        UnitTotals(
            "T5G",
            "T5G",
            activities=1,
            accepted=0,
            reported_on_time=0,
            reported_late=0,
            not_reported=1,
            cancelled=0,
            due_unreported=1,
        ),
    )
    first = base.contents[0]
    silent = Evidence(date(2014, 6, 26), "VPB", "accept", "")  # accepted without a note
    lines = (replace(first.activities[0], evidence=(*first.activities[0].evidence, silent)), *first.activities[1:])
    contents = (replace(first, activities=lines), *base.contents[1:])
    names = {"VPB": "Văn phòng Bộ", "TCCB": "Vụ Tổ chức cán bộ"}
    parts = [
        Part("VPB", "lead", "done_on_time"),
        Part("VPB", "lead", "done_late", extended=True),
        Part("VPB", "partner", "overdue", explained=True),
        Part("TCCB", "lead", "done_late"),
        Part("T5G", "lead", "overdue"),
    ]
    return replace(
        base,
        office=OFFICE,
        coordinator_name="Văn phòng Bộ (VPB)",
        units=units,
        phase_name="Giai đoạn 1 (2013-2014)",
        contents=contents,
        scores=tuple(score_units(parts, DEFAULT_WEIGHTS, names)),
        score_weights=DEFAULT_WEIGHTS,
        explanations=(
            ExplanationLine(
                "1.2.1",
                "VPB",
                date(2015, 1, 5),
                date(2015, 1, 12),
                "Lý do chưa hoàn thành",
                date(2015, 1, 9),
                "Chưa bố trí được kinh phí",
            ),
        ),
    )


def score_cells(lang: str = "vi") -> list[list[str]]:
    """The ranking's rows as the documents must print them (models/rules/scores.py)."""
    from cchc_flow.models.rules.scores import score_rows

    return score_rows(list(report().scores), lang)[1]


def all_text(document) -> str:  # type: ignore[no-untyped-def]
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


def test_place_and_date_as_the_decree_writes_them() -> None:
    assert vn_date("Hà Nội", date(2015, 1, 26), "vi") == "Hà Nội, ngày 26 tháng 01 năm 2015"
    assert vn_date("Hà Nội", date(2015, 12, 5), "vi") == "Hà Nội, ngày 05 tháng 12 năm 2015"
    assert vn_date("Hà Nội", date(2015, 3, 21), "vi") == "Hà Nội, ngày 21 tháng 3 năm 2015"


def test_word_document_in_the_administrative_format(tmp_path: Path) -> None:
    path = write_docx(report(), tmp_path / "so-ket.docx")
    document = docx.Document(path)

    first, appendix = document.sections

    def mm(*lengths):  # type: ignore[no-untyped-def]
        return tuple(round(x.mm) for x in lengths)

    assert mm(first.page_width, first.page_height) == (210, 297) and first.orientation == 0
    assert mm(appendix.page_width) == (297,) and appendix.orientation == 1  # landscape for the wide tables
    for section in (first, appendix):
        assert mm(section.top_margin, section.bottom_margin, section.left_margin, section.right_margin) == (
            20,
            20,
            30,
            15,
        )
    # page numbers from page 2, centred in the top margin
    assert first.different_first_page_header_footer and not appendix.different_first_page_header_footer
    header = first.header.paragraphs[0]
    assert (
        header.alignment == 1 and 'w:instr="PAGE"' in header._p.xml and not first.first_page_header.paragraphs[0].text
    )

    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size.pt == 13
    assert normal.element.rPr.find(qn("w:lang")).get(qn("w:val")) == "vi-VN"
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:lang")).get(qn("w:val")) == "vi-VN"
    props = document.core_properties
    assert props.author == "Văn phòng Bộ, Bộ Y tế" and props.language == "vi-VN"
    assert abs(props.created.replace(tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "I. KẾT QUẢ CHUNG") in headings
    assert ("Heading 2", "Nội dung 1. Xây dựng nội dung thông tin, tuyên truyền") in headings
    assert all(document.styles[name].font.name == "Times New Roman" for name in ("Heading 1", "Heading 2"))

    block = document.tables[0]
    left, right = block.cell(0, 0).text.splitlines(), block.cell(0, 1).text.splitlines()
    assert left[:2] == ["BỘ Y TẾ", "VĂN PHÒNG BỘ"] and left[-1].startswith("Số:") and left[-1].endswith("/BC-VPB")
    assert right[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert right[-1] == "Hà Nội, ngày 15 tháng 01 năm 2015"
    text = all_text(document)
    body = [p.text for p in document.paragraphs]
    assert body.index("BÁO CÁO") + 1 == body.index(report().title)
    assert "Giai đoạn 1 (2013-2014): từ 01/10/2013 đến 31/12/2014" in text and "Giai đoạn 1: Giai đoạn" not in text
    signature = next(t for t in document.tables if "Nơi nhận:" in t.cell(0, 0).text)
    assert "CHÁNH VĂN PHÒNG" in signature.cell(0, 1).text and "Nguyễn Văn A" in signature.cell(0, 1).text
    assert "- Lãnh đạo Bộ (để báo cáo);" in signature.cell(0, 0).text and "- Lưu: VT, VPB." in signature.cell(0, 0).text

    # units named one way, no duplicated label, no empty note, rates with their base, a grand total
    assert "T5G — T5G" not in text and "Vụ Tổ chức cán bộ (TCCB)" in text
    assert "1.1.1: 26/06/2014 VPB (công nhận)" in body  # no empty note after it
    totals = next(t for t in document.tables if t.cell(0, 0).text == "Đơn vị")
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in totals.rows}
    assert rows["Văn phòng Bộ (VPB)"][-1] == "50,0 % (1/2)" and rows["T5G"][-1] == "0,0 % (0/1)"
    assert rows["Tổng cộng"][1:] == ["4", "2", "1", "1", "1", "1", "33,3 % (1/3)"]

    activities = next(t for t in document.tables if t.cell(0, 0).text == "Mã")
    head = activities.rows[0]._tr.trPr
    assert head.find(qn("w:tblHeader")) is not None  # repeated on every page
    assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in activities.rows)  # rows never split
    assert activities._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    widths = [c.width for c in activities.rows[1].cells]
    assert widths[1] == max(widths) and round(widths[4].mm) == 19 and widths[0] < Mm(15)  # title wide, dates narrow
    heading = next(p for p in document.paragraphs if p.text.startswith("Nội dung 1."))
    assert heading.style.paragraph_format.keep_with_next  # the heading stays with its table

    # the units' ranking with its formula and weights, then the explanations given, before the signature
    assert headings.index(("Heading 1", "III. XẾP HẠNG CÁC ĐƠN VỊ")) + 1 == headings.index(
        ("Heading 1", "IV. GIẢI TRÌNH CỦA CÁC ĐƠN VỊ")
    )
    ranking = next(t for t in document.tables if t.cell(0, 0).text == "Hạng")
    assert [[c.text for c in r.cells] for r in ranking.rows[1:]] == score_cells()
    assert score_cells()[0][-1] == "52,0" and score_cells()[0][-3:-1] == ["66,7 %", "50,0 %"]  # decimal commas
    assert sum(round(c.width.mm) for c in ranking.rows[0].cells) <= 165  # fits the portrait page
    formula_text = next(p.text for p in document.paragraphs if p.text.startswith("Điểm = 100 ×"))
    assert "chủ trì 1, phối hợp 0,5" in formula_text and "trễ hạn 0,5" in formula_text
    explained = next(p.text for p in document.paragraphs if "Chưa bố trí được kinh phí" in p.text)
    assert "được yêu cầu ngày 05/01/2015 (hạn 12/01/2015)" in explained and "Giải trình ngày 09/01/2015" in explained
    order = list(document.element.body)
    assert body.index(formula_text) < body.index(explained)
    assert order.index(ranking._tbl) < order.index(signature._tbl)  # in the body, above the signature


def test_pdf_rendition(tmp_path: Path) -> None:
    path = write_pdf(report(), tmp_path / "so-ket.pdf")
    with pdfplumber.open(path) as pdf:
        pages = pdf.pages
        first = pages[0]
        assert (round(first.width), round(first.height)) == (595, 842)  # A4 portrait
        assert any(round(p.width) == 842 for p in pages)  # the appendix in landscape
        text = first.extract_text()
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
        assert "Hà Nội, ngày 15 tháng 01 năm 2015" in text and "/BC-VPB" in text
        top = [w["text"] for w in pages[1].extract_words() if w["top"] < 20 * 72 / 25.4]
        assert top == ["2"] and not [w for w in first.extract_words() if w["top"] < 15 * 72 / 25.4]
        whole = "\n".join(p.extract_text() for p in pages)
        assert "Vụ Truyền thông và Thi đua," in whole  # Vietnamese letters intact
        assert "Nơi nhận:" in whole and "CHÁNH VĂN PHÒNG" in whole and "PHỤ LỤC" in whole
        assert "33,3 % (1/3)" in whole
        assert "III. XẾP HẠNG CÁC ĐƠN VỊ" in whole and "IV. GIẢI TRÌNH CỦA CÁC ĐƠN VỊ" in whole
        assert "phối hợp 0,5" in whole.replace("\n", " ") and "Chưa bố trí được kinh phí" in whole
        assert all(row[-1] in whole for row in score_cells())  # each unit's score, with its decimal comma
        assert whole.index("XẾP HẠNG") < whole.index("Nơi nhận:") < whole.index("PHỤ LỤC")
        assert pdf.metadata["Author"] == "Văn phòng Bộ, Bộ Y tế"
        assert all(f["fontname"].split("+")[-1].startswith(("Liberation", "DejaVu", "Times")) for f in first.chars)
    assert b"/Lang (vi-VN)" in path.read_bytes() or b"/Lang(vi-VN)" in path.read_bytes()


DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@pytest.mark.skipif(not (DEJAVU / "DejaVuSerif-BoldItalic.ttf").is_file(), reason="DejaVu Serif is not installed")
def test_the_nation_and_motto_stay_on_one_line_in_a_wider_font(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DejaVu Serif, the last fallback, is wider than Times: the nation's name and the motto are set smaller rather
    than broken over two lines."""
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    for style in ("Regular", "Bold", "Italic", "BoldItalic"):
        source = DEJAVU / ("DejaVuSerif.ttf" if style == "Regular" else f"DejaVuSerif-{style}.ttf")
        (fonts / f"DejaVuSerif-{style}.ttf").symlink_to(source)
    monkeypatch.setenv("CCHC_PDF_FONT_DIR", str(fonts))
    path = write_pdf(report(), tmp_path / "so-ket.pdf")
    with pdfplumber.open(path) as pdf:
        first = pdf.pages[0]
        assert all(c["fontname"].split("+")[-1].startswith("DejaVuSerif") for c in first.chars)
        lines = first.extract_text().splitlines()
    nation = next(line for line in lines if "CỘNG HÒA" in line)
    motto = next(line for line in lines if "Độc lập" in line)
    assert nation.endswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") and motto.endswith("Độc lập - Tự do - Hạnh phúc")


def test_no_vietnamese_font_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCHC_PDF_FONT_DIR", str(tmp_path))
    with pytest.raises(FontMissing, match="fonts-liberation"):
        write_pdf(report(), tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


# ------------------------------------------------------------------------------------------------ signing


def make_certificate(tmp_path: Path, passphrase: bytes):  # type: ignore[no-untyped-def]
    """A root CA and the organisation's signing certificate under it, as a PKCS#12 file; returns (p12, root)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bộ Y tế"),
                x509.NameAttribute(NameOID.COMMON_NAME, cn),
            ]
        )

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("CA thử nghiệm"))
        .issuer_name(name("CA thử nghiệm"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("Văn phòng Bộ"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    p12 = tmp_path / "vpb.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"vpb", key, cert, [ca], serialization.BestAvailableEncryption(passphrase)
        )
    )
    return p12, ca


def validate(path: Path, root):  # type: ignore[no-untyped-def]
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    trust = asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER))
    with path.open("rb") as f:
        [signature] = PdfFileReader(f).embedded_signatures
        return signature.field_name, validate_pdf_signature(signature, ValidationContext(trust_roots=[trust]))


def test_the_pdf_is_signed_with_the_organisations_certificate_and_verifies(tmp_path: Path) -> None:
    from cchc_flow.models.reports.pdf_sign import SigningError, sign_pdf

    pdf = write_pdf(report(), tmp_path / "so-ket-giai-doan-1.pdf")
    p12, root = make_certificate(tmp_path, b"mat-khau")
    signed = sign_pdf(pdf, p12, b"mat-khau", reason="Ký ban hành báo cáo", location="Hà Nội")
    assert signed.name == "so-ket-giai-doan-1.signed.pdf" and signed.stat().st_mode & 0o777 == 0o600
    field, status = validate(signed, root)
    assert field == "Signature1" and status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == "Văn phòng Bộ"
    assert b"/ETSI.CAdES.detached" in signed.read_bytes()  # PAdES

    tampered = tmp_path / "tampered.pdf"
    data = bytearray(signed.read_bytes())
    at = data.index(b"/Producer") + 12  # a letter of the producer's name, inside the signed bytes
    data[at] ^= 0x01
    tampered.write_bytes(bytes(data))
    assert not validate(tampered, root)[1].intact

    with pytest.raises(SigningError, match="CCHC_SIGN_PASSPHRASE"):
        sign_pdf(pdf, p12, b"sai", reason="x", location="y", out=tmp_path / "no.pdf")
    assert not (tmp_path / "no.pdf").exists()


def with_series():  # type: ignore[no-untyped-def]
    """The report with a monthly activity (10 of 12 months on time, one late, one missed) and a per-unit one, counted
    by the function the board and the Markdown review count with."""
    from cchc_flow.models.rules.series_tally import tally

    monthly = [(f"1.2.1@2022-{m:02d}", "done_on_time") for m in range(1, 11)]
    monthly += [("1.2.1@2022-11", "done_late"), ("1.2.1@2022-12", "overdue")]
    members = [("1.1.1:KHOA_KB", "done_on_time"), ("1.1.1:TYT_MY_LOI", "overdue"), ("1.1.1:KHOA_NOI", "in_progress")]
    return replace(report(), series=tuple(tally(monthly + members + [("1.3.1", "overdue")])))


def test_the_documents_count_recurring_and_per_unit_activities_as_the_markdown_does(tmp_path: Path) -> None:
    from cchc_flow.models.reports.review_render import render_markdown, series_rows

    expected = [
        ["1.2.1", "12", "11", "10/12", "1", "1.2.1@2022-12"],
        ["1.1.1", "3", "1", "1/2", "0", "1.1.1:TYT_MY_LOI"],
    ]
    assert series_rows(with_series(), "vi")[1] == expected
    assert "| 1.2.1 | 12 | 11 | 10/12 | 1 | 1.2.1@2022-12 |" in render_markdown(with_series(), "vi")
    document = docx.Document(write_docx(with_series(), tmp_path / "so-ket.docx"))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "III. HOẠT ĐỘNG ĐỊNH KỲ VÀ HOẠT ĐỘNG CỦA TỪNG ĐƠN VỊ" in headings and "IV. XẾP HẠNG CÁC ĐƠN VỊ" in headings
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Hoạt động" and len(t.columns) == 6)
    assert [c.text for c in table.rows[0].cells][3:] == ["Đúng hạn/đến hạn", "Muộn", "Bỏ lỡ (quá hạn, chưa hoàn thành)"]
    assert [[c.text for c in r.cells] for r in table.rows[1:]] == expected
    path = write_pdf(with_series(), tmp_path / "so-ket.pdf", lang="en")
    with pdfplumber.open(path) as pdf:
        whole = "\n".join(p.extract_text() for p in pdf.pages)
    assert "III. RECURRING AND PER-UNIT ACTIVITIES" in whole and "IV. UNIT RANKING" in whole
    assert "1.2.1 12 11 10/12 1 1.2.1@2022-12" in whole and "1.1.1:TYT_MY_LOI" in whole
