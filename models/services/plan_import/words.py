"""What the importer says, Vietnamese first and English second (added to cchc_flow.models.rules.messages.MESSAGES)."""

from __future__ import annotations

from cchc_flow.models.rules.messages import MESSAGES

WORDS: dict[str, tuple[str, str]] = {
    # refusing a file (exit 2)
    "imp.not_found": (
        "không tìm thấy {what} trong văn bản; hãy điền vào bản nháp",
        "{what} not found in the document; fill it in in the draft",
    ),
    "imp.no_file": ("{name}: không tìm thấy tệp; hãy kiểm tra đường dẫn", "{name}: file not found; check the path"),
    "imp.too_big": (
        "{name}: tệp lớn {size} MB, quá giới hạn {limit} MB; hãy chỉ gửi quyết định và phụ lục",
        "{name}: the file is {size} MB, over the {limit} MB limit; send only the decision and its appendix",
    ),
    "imp.kind": (
        "{name}: không đọc được loại tệp '{suffix}'; hãy dùng .docx, .pdf (có lớp chữ), .txt hoặc .md",
        "{name}: cannot read '{suffix}' files; use .docx, .pdf (with a text layer), .txt or .md",
    ),
    "imp.docm": (
        "{name}: tệp Word có macro (.docm) bị từ chối; hãy lưu lại thành .docx (Word: Tệp → Lưu thành → "
        "Tài liệu Word .docx)",
        "{name}: Word files with macros (.docm) are refused; save it as .docx (Word: File → Save As → "
        "Word Document .docx)",
    ),
    "imp.doc_no_office": (
        "{name}: tệp Word 97 (.doc) cần LibreOffice để chuyển đổi, máy này không có; hãy mở tệp "
        "trong Word và lưu thành .docx (Tệp → Lưu thành → Tài liệu Word .docx) rồi nhập lại",
        "{name}: Word 97 files (.doc) need LibreOffice to convert and it is not installed here; "
        "open the file in Word, save it as .docx (File → Save As → Word Document) and import that",
    ),
    "imp.doc_failed": (
        "{name}: LibreOffice không chuyển được tệp .doc ({detail}); hãy lưu thành .docx trong Word",
        "{name}: LibreOffice could not convert the .doc file ({detail}); save it as .docx in Word",
    ),
    "imp.not_docx": (
        "{name}: không phải tệp Word .docx (không phải gói zip của Word); hãy mở trong Word và lưu thành .docx",
        "{name}: not a Word .docx file (not a Word zip package); open it in Word and save it as .docx",
    ),
    "imp.zip_bomb": (
        "{name}: tệp .docx giải nén ra {size} MB (quá {limit} MB) — có thể là tệp độc hại; đã từ chối",
        "{name}: the .docx unpacks to {size} MB (over {limit} MB) — possibly a zip bomb; refused",
    ),
    "imp.not_pdf": ("{name}: không phải tệp PDF (thiếu phần đầu %PDF)", "{name}: not a PDF file (no %PDF header)"),
    "imp.pdf_broken": ("{name}: không đọc được tệp PDF ({detail})", "{name}: the PDF cannot be read ({detail})"),
    "imp.pdf_encrypted": (
        "{name}: tệp PDF được mã hóa/đặt mật khẩu; hãy gửi bản không mã hóa (hoặc tệp .docx)",
        "{name}: the PDF is encrypted; send an unencrypted copy (or the .docx)",
    ),
    "imp.pdf_scanned": (
        "{name}: tệp PDF không có lớp chữ (bản quét ảnh); hãy gửi tệp .docx hoặc PDF xuất từ Word",
        "{name}: the PDF has no text layer (a scanned image); send the .docx or a PDF saved from Word",
    ),
    "imp.not_text": (
        "{name}: không phải văn bản UTF-8 (byte {pos}); hãy lưu lại với mã hóa UTF-8",
        "{name}: not UTF-8 text (byte {pos}); save it again as UTF-8",
    ),
    "imp.binary": (
        "{name}: tệp chứa dữ liệu nhị phân, không phải văn bản",
        "{name}: the file holds binary data, not text",
    ),
    "imp.no_table": (
        "{name}: không có bảng nào trong văn bản; cần phụ lục dạng bảng (Giai đoạn, Nội dung, Hoạt "
        "động, Thời gian, Kinh phí, Đơn vị chủ trì, Đơn vị phối hợp)",
        "{name}: the document has no table; an appendix table is needed (phase, content, activity, "
        "time, funding, lead unit, partner units)",
    ),
    "imp.empty_table": ("{name}: bảng trống, không có ô nào có chữ", "{name}: the table is empty"),
    "imp.unknown_headings": (
        "{name}: không nhận ra tiêu đề cột của bảng. Tiêu đề tìm thấy: {found}. Tiêu đề cần "
        "có (ít nhất Hoạt động hoặc Nội dung và hai cột khác): {expected}",
        "{name}: the table's headings are not recognised. Found: {found}. Expected (at least "
        "Hoạt động or Nội dung and two more): {expected}",
    ),
    "imp.no_activities": (
        "{name}: bảng có tiêu đề nhưng không có hàng hoạt động nào",
        "{name}: the table has headings but no activity rows",
    ),
    "imp.cannot_write": (
        "không ghi được bản nháp vào {path} ({detail}); hãy chọn thư mục khác với --output",
        "cannot write the draft to {path} ({detail}); choose another folder with --output",
    ),
    "imp.failed": (
        "{name}: không đọc được văn bản ({detail}); hãy lưu lại thành .docx và thử lại, hoặc gửi tệp cho "
        "người quản trị",
        "{name}: the document could not be read ({detail}); save it again as .docx and "
        "retry, or send the file to the administrator",
    ),
    # places in the document
    "imp.where_line": ("dòng {line}", "line {line}"),
    "imp.where_row": ("bảng {table}, hàng {row}", "table {table}, row {row}"),
    "imp.where_page": ("trang {page}", "page {page}"),
    "imp.where_col": ("cột “{heading}”", "column “{heading}”"),
    "imp.where_table": ("bảng {table}", "table {table}"),
    # what was assumed or needs a person
    "imp.table_empty": ("bảng trống, bỏ qua", "empty table, skipped"),
    "imp.table_skipped": (
        "bảng không phải phụ lục hoạt động (tiêu đề: {found}), bỏ qua",
        "not an activity table (headings: {found}), skipped",
    ),
    "imp.total_row": (
        "hàng tổng cộng “{text}”, không phải hoạt động; bỏ qua",
        "a total row “{text}”, not an activity; skipped",
    ),
    "imp.no_activity_text": (
        "hàng có thời gian/đơn vị nhưng không có nội dung hoạt động; không tạo hoạt động",
        "a row with time or units but no activity text; no activity made",
    ),
    "imp.own_content": (
        "bảng không chia nội dung; các hoạt động được xếp vào một nội dung: “{title}”",
        "the table has no content items; its activities are put under one: “{title}”",
    ),
    "imp.whole_plan": ("Toàn bộ kế hoạch", "The whole plan"),
    "imp.time_unread": (
        '{id}: không đọc được thời gian “{written}”; đã giữ nguyên, hãy viết lại (vd. "2022", '
        '"Quý I/2022", "01/03/2022 - 30/06/2022")',
        '{id}: the time “{written}” cannot be read; kept as written, rewrite it (e.g. "2022", '
        '"Quý I/2022", "01/03/2022 - 30/06/2022")',
    ),
    "imp.time_missing": ("{id}: không có thời gian thực hiện; hãy điền", "{id}: no time given; fill it in"),
    "imp.recurring": (
        "thời gian trong văn bản: “{written}” ({kind}); không suy ra được kỳ lặp lại, hoạt động được đặt trong "
        "cả khoảng {window}; hãy ghi recurs nếu hoạt động lặp lại",
        "time in the document: “{written}” ({kind}); no cadence follows from it, the activity spans {window}; "
        "write recurs if it recurs",
    ),
    "imp.recurs": (
        "{id}: “{written}” là thời gian lặp lại; bản nháp ghi recurs: {recurs} (mỗi kỳ được theo dõi riêng)",
        "{id}: “{written}” recurs; the draft writes recurs: {recurs} (each period tracked on its own)",
    ),
    "imp.check_in_chosen": (
        "{id}: văn bản ghi “{written}” không nêu kỳ báo cáo; bản nháp chọn {cadence} (check_in), hãy xem lại",
        "{id}: the document says “{written}” without a cadence; the draft chose {cadence} (check_in), review it",
    ),
    "imp.check_in_remark": (
        "văn bản ghi “{written}” không nêu kỳ báo cáo; cchc plan import chọn kỳ {cadence} (check_in), "
        "người lập kế hoạch cần xác nhận hoặc sửa",
        "the document says “{written}” without a cadence; cchc plan import chose {cadence} (check_in), for the "
        "plan's authors to confirm or change",
    ),
    "imp.due_days": (
        "hạn trong văn bản: “{written}” (các kỳ báo cáo ở reporting)",
        "due days in the document: “{written}” (the report periods are under reporting)",
    ),
    "imp.for_each": (
        "{id}: “{group}” là một nhóm; bản nháp ghi for_each: từng đơn vị trong nhóm tự thực hiện, theo dõi riêng",
        "{id}: “{group}” is a group; the draft writes for_each: each member does it, tracked on its own",
    ),
    "imp.recurring_note": (
        "{id}: “{written}” là thời gian lặp lại; bản nháp ghi chú điều này ở hoạt động",
        "{id}: “{written}” recurs; the draft notes it on the activity",
    ),
    "imp.every.monthly": ("hằng tháng", "monthly"),
    "imp.every.quarterly": ("hằng quý", "quarterly"),
    "imp.every.half-yearly": ("định kỳ 6 tháng", "every six months"),
    "imp.every.yearly": ("hằng năm", "yearly"),
    "imp.every.ongoing": ("thường xuyên", "ongoing"),
    "imp.every.dates": ("vào các ngày cố định trong năm", "on fixed days of the year"),
    "imp.year_from_context": (
        "{id}: “{written}” không ghi năm; lấy theo giai đoạn/kế hoạch: {window}",
        "{id}: “{written}” has no year; taken from the phase or plan: {window}",
    ),
    "imp.funding_missing": ("{id}: không ghi nguồn kinh phí; hãy điền", "{id}: no funding given; fill it in"),
    "imp.carried": (
        "“{written}”: thêm “{prefix}” của tên đứng trước (viết tắt trong văn bản)",
        "“{written}”: “{prefix}” carried over from the name before (abbreviated in the document)",
    ),
    "imp.phase_window": (
        "giai đoạn {phase}: không xác định được thời gian; hãy điền",
        "phase {phase}: no time found; fill it in",
    ),
    "imp.parent": (
        "văn bản thực hiện: {parent} (ghi vào căn cứ)",
        "implements: {parent} (recorded in the legal basis)",
    ),
    "imp.focal_assumed": (
        "văn bản không nói đơn vị đầu mối; lấy đơn vị chủ trì nhiều hoạt động nhất: {unit}",
        "the document names no focal unit; the unit leading most activities is taken: {unit}",
    ),
    "imp.leadership_assumed": (
        "văn bản không nói lãnh đạo nhận báo cáo; lấy lãnh đạo duy nhất trong danh mục: {unit}",
        "the document names no leadership; the only one in the directory is taken: {unit}",
    ),
    "imp.field.code": ("mã kế hoạch (dùng --code)", "the plan code (use --code)"),
    "imp.field.number": ("số, ký hiệu văn bản", "the number and symbol"),
    "imp.field.signed": ("ngày ký", "the date signed"),
    "imp.field.issuer": ("cơ quan/người ban hành", "the issuer"),
    "imp.field.title": ("tên kế hoạch", "the title"),
    "imp.field.focal_unit": ("đơn vị đầu mối", "the focal unit"),
    "imp.field.leadership": ("lãnh đạo nhận báo cáo", "the leadership"),
    "imp.field.objectives": ("mục tiêu chung", "the general objective"),
    # the report
    "imp.read": (
        "Đã đọc {name} ({kind}, SHA-256 {sha}): {tables} bảng, {phases} giai đoạn, {contents} nội dung, "
        "{activities} hoạt động, {units} đơn vị",
        "Read {name} ({kind}, SHA-256 {sha}): {tables} tables, {phases} phases, {contents} content items, "
        "{activities} activities, {units} units",
    ),
    "imp.identity": (
        "Kế hoạch: {number} ngày {signed} — {title} ({issuer}); mã {code}",
        "Plan: {number} of {signed} — {title} ({issuer}); code {code}",
    ),
    "imp.reviews": ("Sơ kết/tổng kết: {reviews}", "Reviews: {reviews}"),
    "imp.assumptions": ("Giả định", "Assumptions"),
    "imp.warnings": ("Cảnh báo", "Warnings"),
    "imp.person": ("Cần người xem", "Needs a person"),
    "imp.unresolved": (
        "Đơn vị chưa có trong danh mục {units} (đề xuất ở {file})",
        "Units not in the directory {units} (suggested entries in {file})",
    ),
    "imp.check": ("Kiểm tra bản nháp như `cchc plan check`", "The draft checked as `cchc plan check` does"),
    "imp.written": ("Bản nháp: {path}", "Draft: {path}"),
    "imp.ok": (
        "Bản nháp hợp lệ; xem lại rồi nạp: cchc plan load {path}",
        "The draft passes the check; review it, then: cchc plan load {path}",
    ),
    "imp.needs_person": (
        "Bản nháp cần người sửa ({count} việc) trước khi nạp; chưa có gì được ghi vào cơ sở dữ liệu",
        "The draft needs a person ({count} items) before it can be loaded; nothing was written to the database",
    ),
    "imp.draft_header": (
        "Bản nháp kế hoạch nhập từ {name} (SHA-256 {sha}) bằng `cchc plan import`. Lời văn là của "
        "văn bản; hãy xem lại, sửa những chỗ báo cáo nêu, rồi `cchc plan check`.",
        "Plan draft imported from {name} (SHA-256 {sha}) by `cchc plan import`. The words are the "
        "document's; review it, fix what the report lists, then `cchc plan check`.",
    ),
    "imp.units_header": (
        "Đề xuất bổ sung danh mục đơn vị cho {name}: xem lại mã, tên, loại rồi chép vào {units} và nhập lại.",
        "Suggested unit directory entries for {name}: check code, name and kind, copy them into "
        "{units} and import again.",
    ),
    "imp.no_draft": (
        "không có bản nháp này (đã nạp hoặc chưa tải lên); hãy tải văn bản lên lại",
        "no such draft (loaded already, or never uploaded); upload the document again",
    ),
    "imp.web.title": ("Nhập kế hoạch từ văn bản", "Import a plan from its document"),
    "imp.web.intro": (
        "Tải lên quyết định/kế hoạch có phụ lục dạng bảng (.docx, .pdf có lớp chữ, .txt, .md, .doc). "
        "Bản nháp hiện cạnh các hàng của văn bản; sửa nếu cần rồi nạp. Chưa có gì được ghi cho tới khi nạp.",
        "Upload the decision or plan with its appendix table (.docx, .pdf with a text layer, .txt, .md, "
        ".doc). The draft is shown beside the document's rows; fix it if needed, then load it. Nothing "
        "is recorded until you load.",
    ),
    "imp.web.file": ("Văn bản", "Document"),
    "imp.web.upload": ("Đọc văn bản", "Read the document"),
    "imp.web.report": ("Báo cáo nhập", "Import report"),
    "imp.web.rows": ("Các hàng của văn bản và hoạt động tương ứng", "The document's rows and their activities"),
    "imp.web.where": ("Vị trí trong văn bản", "Where in the document"),
    "imp.web.cells": ("Các ô của hàng", "The row's cells"),
    "imp.web.activity": ("Hoạt động trong bản nháp", "Activity in the draft"),
    "imp.web.section": ("(hàng tiêu đề mục)", "(section row)"),
    "imp.web.units": (
        "Đơn vị chưa có trong danh mục: đề xuất bổ sung vào {units}",
        "Units not in the directory: suggested entries for {units}",
    ),
    "imp.web.draft": ("Bản nháp (YAML, sửa được)", "The draft (YAML, editable)"),
    "imp.web.load": ("Kiểm tra và nạp kế hoạch", "Check and load the plan"),
    "imp.web.check_failed": (
        "Bản nháp chưa hợp lệ ({errors} lỗi); chưa nạp gì",
        "The draft does not pass the check ({errors} errors); nothing loaded",
    ),
    "imp.web.not_focal": (
        "chỉ đầu mối của kế hoạch ({unit}) được nạp kế hoạch này",
        "only the plan's focal unit ({unit}) may load this plan",
    ),
    "imp.web.too_big": ("tệp lớn hơn {limit}", "the file is larger than {limit}"),
    "imp.loaded_from": ("nạp từ tệp {name} (SHA-256 {sha})", "loaded from file {name} (SHA-256 {sha})"),
}

MESSAGES.update(WORDS)
