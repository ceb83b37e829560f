"""Every sentence a user reads, in Vietnamese first and English second."""

from __future__ import annotations

from models.settings import get_settings

# key -> (Vietnamese, English). Placeholders use str.format names.
MESSAGES: dict[str, tuple[str, str]] = {
    # reading files
    "yaml.too_big": ("tệp lớn hơn giới hạn {limit} byte; hãy kiểm tra đúng tệp kế hoạch",
                     "file is larger than the {limit}-byte limit; check that this is the plan file"),
    "yaml.not_found": ("không tìm thấy tệp; hãy kiểm tra đường dẫn", "file not found; check the path"),
    "yaml.not_file": ("không phải là tệp; hãy chỉ tới một tệp YAML", "not a file; point to a YAML file"),
    "yaml.encoding": ("tệp không phải UTF-8 (byte {pos}); hãy lưu lại tệp với mã hóa UTF-8",
                      "file is not UTF-8 (byte {pos}); save it again as UTF-8"),
    "yaml.syntax": ("YAML sai cú pháp: {problem}; hãy sửa cú pháp ở dòng này",
                    "malformed YAML: {problem}; fix the syntax on this line"),
    "yaml.alias": ("không dùng neo/bí danh YAML (&, *) trong tệp kế hoạch; hãy viết đầy đủ giá trị",
                   "YAML anchors/aliases (&, *) are not allowed in plan files; write the value out"),
    "yaml.tag": ("thẻ YAML '{tag}' không được phép; hãy bỏ thẻ và viết giá trị thường",
                 "YAML tag '{tag}' is not allowed; remove the tag and write a plain value"),
    "yaml.root": ("tệp phải là một bảng khóa/giá trị (mapping) ở cấp ngoài cùng",
                  "the file must be a mapping at the top level"),
    "yaml.empty": ("tệp rỗng; hãy dùng config/plans/byt-3723-2013-2015.yaml làm mẫu",
                   "file is empty; use config/plans/byt-3723-2013-2015.yaml as a model"),
    # schema
    "schema.missing": ("thiếu trường bắt buộc; hãy thêm trường này", "required field missing; add it"),
    "schema.extra": ("trường không được biết đến; hãy xóa hoặc sửa tên trường",
                     "unknown field; remove it or fix its name"),
    "schema.type": ("giá trị sai kiểu ({detail}); hãy sửa giá trị", "wrong type ({detail}); fix the value"),
    "schema.date": ("ngày không đọc được: {detail}; hãy viết YYYY-MM-DD hoặc DD/MM/YYYY",
                    "unreadable date: {detail}; write YYYY-MM-DD or DD/MM/YYYY"),
    "schema.window": ("thời gian không đọc được: {detail}; hãy viết \"2014\", \"2013-2014\", "
                      "\"2014-03-01..2014-06-30\" hoặc \"01/03/2014 - 30/06/2014\"",
                      "unreadable time window: {detail}; write \"2014\", \"2013-2014\", "
                      "\"2014-03-01..2014-06-30\" or \"01/03/2014 - 30/06/2014\""),
    "schema.window_order": ("thời gian kết thúc trước khi bắt đầu ({detail}); hãy đổi chỗ hoặc sửa ngày",
                            "the window ends before it starts ({detail}); swap or fix the dates"),
    "schema.unknown_unit": ("đơn vị '{name}' không có trong danh mục {units}; hãy thêm đơn vị hoặc bí danh vào danh mục, hoặc sửa tên",
                            "unit '{name}' is not in the directory {units}; add it (or an alias) to the directory, or fix the name"),
    "schema.duplicate_id": ("mã '{id}' bị trùng (đã dùng ở dòng {first}); mỗi mã phải là duy nhất",
                            "duplicate id '{id}' (first used on line {first}); ids must be unique"),
    "schema.bad_id": ("mã hoạt động '{id}' không khớp vị trí (phải là '{expected}' = giai đoạn.nội dung.thứ tự)",
                      "activity id '{id}' does not match its place (expected '{expected}' = phase.content.order)"),
    "schema.review_missing": ("hoạt động sơ kết/tổng kết '{id}' không có trong giai đoạn này; hãy sửa mã",
                              "review activity '{id}' is not in this phase; fix the id"),
    "schema.unit_ref": ("mã đơn vị '{code}' không có trong danh mục; hãy dùng một mã có trong {units}",
                        "unit code '{code}' is not in the directory; use a code listed in {units}"),
    # warnings (gaps the plan itself has)
    "warn.no_lead": ("hoạt động {id} không có đơn vị chủ trì trong văn bản; cần bổ sung khi triển khai",
                     "activity {id} has no lead unit in the plan text; one must be assigned before it can run"),
    "warn.no_partners": ("hoạt động {id} không ghi đơn vị phối hợp", "activity {id} names no partner unit"),
    "warn.alias": ("'{written}' được hiểu là {code} ({name}): {reason}", "'{written}' read as {code} ({name}): {reason}"),
    "warn.outside_phase": ("thời gian của hoạt động {id} ({window}) nằm ngoài giai đoạn {phase} ({phase_window})",
                           "activity {id} window ({window}) lies outside phase {phase} ({phase_window})"),
    "warn.phase_label": ("giai đoạn {phase} được ghi là '{label}' nhưng thời gian là {window}",
                         "phase {phase} is written '{label}' but its window is {window}"),
    "warn.unnumbered_decision": ("hoạt động {id} dẫn một quyết định không có số ('{excerpt}')",
                                 "activity {id} cites a decision without its number ('{excerpt}')"),
    "warn.empty_group": ("nhóm {code} ({name}) chưa có thành viên trong kế hoạch này; thông báo gửi tới nhóm sẽ không tới ai",
                         "group {code} ({name}) has no members in this plan; messages to it reach nobody"),
    "warn.remark": ("ghi chú của người nhập liệu: {text}", "encoder's note: {text}"),
    "warn.unit_name": ("đơn vị {code}: văn bản không ghi tên đầy đủ", "unit {code}: the plan gives no full name"),
    # CLI
    "check.ok": ("{path}: hợp lệ ({activities} hoạt động, {warnings} cảnh báo)",
                 "{path}: valid ({activities} activities, {warnings} warnings)"),
    "check.failed": ("{path}: {errors} lỗi; không có gì được ghi", "{path}: {errors} errors; nothing was written"),
    "load.created": ("Đã nạp kế hoạch {code} ({activities} hoạt động)", "Loaded plan {code} ({activities} activities)"),
    "load.unchanged": ("Kế hoạch {code} không thay đổi; không có gì được ghi", "Plan {code} unchanged; nothing written"),
    "load.amended": ("Kế hoạch {code} đã được sửa đổi: {changes} thay đổi được ghi vào lịch sử",
                     "Plan {code} amended: {changes} changes recorded in history"),
    "plan.unknown": ("không có kế hoạch '{code}' trong cơ sở dữ liệu; hãy chạy 'cchc plan load' trước (có: {known})",
                     "no plan '{code}' in the database; run 'cchc plan load' first (known: {known})"),
    "group.empty": ("(chưa có thành viên)", "(no members yet)"),
    "group.members": ("thành viên theo kế hoạch", "members by plan"),
    "warnings": ("Cảnh báo", "Warnings"),
    "errors": ("Lỗi", "Errors"),
    # table headings
    "col.id": ("Mã", "Id"),
    "col.activity": ("Hoạt động", "Activity"),
    "col.window": ("Thời gian", "Window"),
    "col.funding": ("Nguồn kinh phí", "Funding"),
    "col.lead": ("Chủ trì", "Lead"),
    "col.partners": ("Phối hợp", "Partners"),
    "col.state": ("Trạng thái", "State"),
    "col.code": ("Mã", "Code"),
    "col.name": ("Tên đơn vị", "Name"),
    "col.kind": ("Loại", "Kind"),
    "col.aliases": ("Cách viết khác", "Aliases"),
    "col.tags": ("Thẻ thông báo", "Tags"),
    "plan.signed": ("ký ngày", "signed"),
    "plan.review": ("kết thúc bằng", "closed by"),
    "demo.where": ("Cơ sở dữ liệu: {db}", "Database: {db}"),
}


def t(key: str, lang: str | None = None, **values: object) -> str:
    """The message ``key`` in the configured language (CCHC_LANG), filled with ``values``."""
    vi, en = MESSAGES[key]
    text = en if (lang or get_settings().lang) == "en" else vi
    return text.format(**values)
