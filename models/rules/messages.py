"""Every sentence a user reads, in Vietnamese first and English second."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from cchc_flow.settings import configured_lang

# key -> (Vietnamese, English). Placeholders use str.format names.
MESSAGES: dict[str, tuple[str, str]] = {
    # reading files
    "yaml.too_big": (
        "tệp lớn hơn giới hạn {limit} byte; hãy kiểm tra đúng tệp kế hoạch",
        "file is larger than the {limit}-byte limit; check that this is the plan file",
    ),
    "yaml.not_found": ("không tìm thấy tệp; hãy kiểm tra đường dẫn", "file not found; check the path"),
    "yaml.not_file": ("không phải là tệp; hãy chỉ tới một tệp YAML", "not a file; point to a YAML file"),
    "yaml.encoding": (
        "tệp không phải UTF-8 (byte {pos}); hãy lưu lại tệp với mã hóa UTF-8",
        "file is not UTF-8 (byte {pos}); save it again as UTF-8",
    ),
    "yaml.syntax": (
        "YAML sai cú pháp: {problem}; hãy sửa cú pháp ở dòng này",
        "malformed YAML: {problem}; fix the syntax on this line",
    ),
    "yaml.alias": (
        "không dùng neo/bí danh YAML (&, *) trong tệp kế hoạch; hãy viết đầy đủ giá trị",
        "YAML anchors/aliases (&, *) are not allowed in plan files; write the value out",
    ),
    "yaml.tag": (
        "thẻ YAML '{tag}' không được phép; hãy bỏ thẻ và viết giá trị thường",
        "YAML tag '{tag}' is not allowed; remove the tag and write a plain value",
    ),
    "yaml.root": (
        "tệp phải là một bảng khóa/giá trị (mapping) ở cấp ngoài cùng",
        "the file must be a mapping at the top level",
    ),
    "yaml.empty": (
        "tệp rỗng; hãy dùng config/plans/byt-3723-2013-2015.yaml làm mẫu",
        "file is empty; use config/plans/byt-3723-2013-2015.yaml as a model",
    ),
    # schema
    "schema.missing": ("thiếu trường bắt buộc; hãy thêm trường này", "required field missing; add it"),
    "schema.extra": (
        "trường không được biết đến; hãy xóa hoặc sửa tên trường",
        "unknown field; remove it or fix its name",
    ),
    "schema.type": ("giá trị sai kiểu ({detail}); hãy sửa giá trị", "wrong type ({detail}); fix the value"),
    "schema.date": (
        "ngày không đọc được: {detail}; hãy viết YYYY-MM-DD hoặc DD/MM/YYYY",
        "unreadable date: {detail}; write YYYY-MM-DD or DD/MM/YYYY",
    ),
    "schema.window": (
        'thời gian không đọc được: {detail}; hãy viết "2014", "2013-2014", '
        '"2014-03-01..2014-06-30" hoặc "01/03/2014 - 30/06/2014"',
        'unreadable time window: {detail}; write "2014", "2013-2014", '
        '"2014-03-01..2014-06-30" or "01/03/2014 - 30/06/2014"',
    ),
    "schema.window_order": (
        "thời gian kết thúc trước khi bắt đầu ({detail}); hãy đổi chỗ hoặc sửa ngày",
        "the window ends before it starts ({detail}); swap or fix the dates",
    ),
    "schema.unknown_unit": (
        "đơn vị '{name}' không có trong danh mục {units}; hãy thêm đơn vị hoặc bí danh vào danh mục, hoặc sửa tên",
        "unit '{name}' is not in the directory {units}; add it (or an alias) to the directory, or fix the name",
    ),
    "schema.duplicate_id": (
        "mã '{id}' bị trùng (đã dùng ở dòng {first}); mỗi mã phải là duy nhất",
        "duplicate id '{id}' (first used on line {first}); ids must be unique",
    ),
    "schema.bad_id": (
        "mã hoạt động '{id}' không khớp vị trí (phải là '{expected}' = giai đoạn.nội dung.thứ tự)",
        "activity id '{id}' does not match its place (expected '{expected}' = phase.content.order)",
    ),
    "schema.review_missing": (
        "hoạt động sơ kết/tổng kết '{id}' không có trong giai đoạn này; hãy sửa mã",
        "review activity '{id}' is not in this phase; fix the id",
    ),
    "directory.unknown_successor": (
        "mã đơn vị '{code}' không có trong danh mục {units}; đơn vị kế thừa phải là một đơn vị có trong danh mục: "
        "hãy thêm đơn vị đó hoặc sửa mã",
        "unit code '{code}' is not in the directory {units}; the successor must be a unit of the directory: add it "
        "or fix the code",
    ),
    "directory.cycle": (
        "sáp nhập/đổi tên vòng lặp {chain}; một đơn vị không thể là đơn vị kế thừa của chính nó: hãy bỏ một liên kết",
        "mergers/renamings go round in a circle {chain}; a unit cannot succeed itself: remove one of the links",
    ),
    "directory.both": (
        "đơn vị {code} vừa có merged_into vừa có renamed_to; hãy giữ một: sáp nhập (merged_into) hoặc đổi tên "
        "(renamed_to)",
        "unit {code} has both merged_into and renamed_to; keep one: merged (merged_into) or renamed (renamed_to)",
    ),
    "directory.since_alone": (
        "since chỉ dùng cùng merged_into hoặc renamed_to (ngày đơn vị {code} sáp nhập hoặc đổi tên); hãy bỏ since "
        "hoặc thêm đơn vị kế thừa",
        "since goes with merged_into or renamed_to (the day unit {code} was merged or renamed); remove since or add "
        "the successor",
    ),
    "warn.retired_unit": (
        "'{written}' là {code}, đã {how} {successor} ({name}){since}; việc của {code} do {successor} đảm nhận",
        "'{written}' is {code}, {how} {successor} ({name}){since}; {code}'s work falls to {successor}",
    ),
    "succession.merged": ("sáp nhập vào", "merged into"),
    "succession.renamed": ("đổi tên thành", "renamed"),
    "succession.since": (" từ ngày {day}", " on {day}"),
    "succession.note": (
        "đơn vị {code} {how} {successor}{since} (danh mục đơn vị); mã {code} vẫn dùng được, nay là {now}",
        "unit {code} {how} {successor}{since} (unit directory); the code {code} still works, now {now}",
    ),
    "succession.now": ("{old} → {now}", "{old} → {now}"),
    "event.unit_merged": ("đơn vị sáp nhập", "unit merged"),
    "event.unit_renamed": ("đơn vị đổi tên", "unit renamed"),
    "entity.unit": ("Đơn vị", "Unit"),
    "schema.unit_ref": (
        "mã đơn vị '{code}' không có trong danh mục; hãy dùng một mã có trong {units}",
        "unit code '{code}' is not in the directory; use a code listed in {units}",
    ),
    # warnings (gaps the plan itself has)
    "warn.no_lead": (
        "hoạt động {id} không có đơn vị chủ trì trong văn bản; cần bổ sung khi triển khai",
        "activity {id} has no lead unit in the plan text; one must be assigned before it can run",
    ),
    "warn.no_partners": ("hoạt động {id} không ghi đơn vị phối hợp", "activity {id} names no partner unit"),
    "warn.alias": (
        "'{written}' được hiểu là {code} ({name}): {reason}",
        "'{written}' read as {code} ({name}): {reason}",
    ),
    "warn.outside_phase": (
        "thời gian của hoạt động {id} ({window}) nằm ngoài giai đoạn {phase} ({phase_window})",
        "activity {id} window ({window}) lies outside phase {phase} ({phase_window})",
    ),
    "warn.phase_label": (
        "giai đoạn {phase} được ghi là '{label}' nhưng thời gian là {window}",
        "phase {phase} is written '{label}' but its window is {window}",
    ),
    "warn.unnumbered_decision": (
        "hoạt động {id} dẫn một quyết định không có số ('{excerpt}')",
        "activity {id} cites a decision without its number ('{excerpt}')",
    ),
    "warn.empty_group": (
        "nhóm {code} ({name}) chưa có thành viên trong kế hoạch này; thông báo gửi tới nhóm sẽ không tới ai",
        "group {code} ({name}) has no members in this plan; messages to it reach nobody",
    ),
    "warn.remark": ("ghi chú của người nhập liệu: {text}", "encoder's note: {text}"),
    "warn.unit_name": ("đơn vị {code}: văn bản không ghi tên đầy đủ", "unit {code}: the plan gives no full name"),
    "schema.organisation": (
        "kế hoạch của tổ chức {org} nhưng danh mục {units} là của {directory}; hãy dùng --units với danh mục của {org}",
        "the plan is {org}'s but the directory {units} is {directory}'s; pass --units with {org}'s directory",
    ),
    "warn.blank_number": (
        "số văn bản để trống ('{number}'): văn bản chưa ghi số",
        "the document number is blank ('{number}'): the document gives none",
    ),
    "warn.blank_date": (
        "ngày ký chưa đầy đủ trong văn bản ('{written}'); cchc dùng ngày {signed} (lựa chọn, xem remarks)",
        "the signing date is incomplete in the document ('{written}'); cchc uses {signed} (a choice, see remarks)",
    ),
    "schema.check_in": (
        "hoạt động {id} thực hiện thường xuyên: cần ghi check_in (monthly, quarterly, half-year, yearly) "
        "và giải thích lựa chọn trong remarks",
        "activity {id} is continuous: state check_in (monthly, quarterly, half-year, yearly) "
        "and explain the choice in remarks",
    ),
    "schema.check_in_clash": (
        "hoạt động {id} lặp lại {recurs}: check_in chỉ dùng cho hoạt động thường xuyên (continuous); hãy bỏ check_in",
        "activity {id} recurs {recurs}: check_in is for continuous activities only; remove check_in",
    ),
    "schema.check_in_alone": (
        "hoạt động {id} có check_in mà không có recurs; hãy thêm recurs: continuous hoặc bỏ check_in",
        "activity {id} has check_in without recurs; add recurs: continuous or remove check_in",
    ),
    "warn.chosen_cadence": (
        "hoạt động {id}: văn bản ghi 'thường xuyên' không nêu kỳ báo cáo; người nhập liệu chọn {cadence}",
        "activity {id}: the document says 'continuously' without a cadence; the encoders chose {cadence}",
    ),
    "cadence.monthly": ("hằng tháng", "monthly"),
    "cadence.quarterly": ("hằng quý", "quarterly"),
    "cadence.half-year": ("6 tháng một lần", "every 6 months"),
    "cadence.yearly": ("hằng năm", "yearly"),
    "schema.for_each": (
        "hoạt động {id}: for_each cần đúng một đơn vị chủ trì là một nhóm; hãy ghi nhóm làm chủ trì",
        "activity {id}: for_each needs exactly one lead that is a group; name the group as the lead",
    ),
    # life cycle
    "transition.illegal": (
        "không thể {event} khi hoạt động đang ở trạng thái '{state}' (chỉ được khi: {allowed})",
        "cannot {event} an activity that is '{state}' (only when: {allowed})",
    ),
    "event.opened_late": ("mở muộn (kỳ đã qua khi nạp kế hoạch)", "opened late (period over when loaded)"),
    "event.assign": ("giao nhiệm vụ", "assign"),
    "event.report": ("báo cáo hoàn thành", "report"),
    "event.accept": ("công nhận", "accept"),
    "event.return": ("trả lại", "return"),
    "event.mark_overdue": ("đánh dấu quá hạn", "mark overdue"),
    "event.cancel": ("hủy", "cancel"),
    "event.extend": ("gia hạn", "extend the deadline"),
    "event.extension_requested": ("đề nghị gia hạn", "ask for an extension"),
    "event.extension_refused": ("từ chối gia hạn", "refuse an extension"),
    "extension.final": ("hoạt động đã {state}, không thể gia hạn", "the activity is {state}: it cannot be extended"),
    "extension.bad_state": (
        "hoạt động đang '{state}', không thể gia hạn (chỉ khi: {allowed}); đầu mối có thể trả lại báo cáo trước",
        "the activity is '{state}' and cannot be extended (only when: {allowed}); "
        "the coordinator may return the report first",
    ),
    "extension.open": (
        "đã có một đề nghị gia hạn đang chờ đầu mối quyết định; hãy chờ quyết định",
        "a request for an extension is already waiting for the coordinator's decision; wait for it",
    ),
    "extension.limit": (
        "hoạt động đã được gia hạn {n} lần, tối đa theo kế hoạch là {max} lần; đề nghị đầu mối xem xét "
        "hủy hoặc giao lại",
        "the activity was extended {n} time(s), the plan allows {max}; ask the coordinator to cancel or reassign it",
    ),
    "extension.past": (
        "ngày {until} đã qua (hôm nay {today}); hãy chọn một ngày từ hôm nay trở đi",
        "{until} is in the past (today is {today}); choose a day from today on",
    ),
    "extension.not_later": (
        "ngày {until} không sau hạn hiện tại {due}; hãy chọn một ngày sau {due}",
        "{until} is not after the current due date {due}; choose a day after {due}",
    ),
    "extension.past_phase": (
        "ngày {until} vượt quá thời hạn của giai đoạn ({end}); hãy chọn ngày đến {end}, hoặc đầu "
        "mối phê duyệt với --beyond-phase",
        "{until} is past the phase's end ({end}); choose a day "
        "up to {end}, or the coordinator approves with --beyond-phase",
    ),
    "extension.not_lead": (
        "chỉ đơn vị chủ trì ({leads}) được đề nghị gia hạn hoạt động {id}; {unit} có thể thêm ghi chú",
        "only the lead unit(s) ({leads}) may ask to extend activity {id}; {unit} can add a note",
    ),
    "extension.refused": ("không gia hạn được hoạt động {id}: {reason}", "activity {id} cannot be extended: {reason}"),
    "extension.none_open": (
        "hoạt động {id} không có đề nghị gia hạn nào đang chờ; đơn vị chủ trì đề nghị bằng 'cchc activity extend'",
        "activity {id} has no request for an extension waiting; the lead unit asks with 'cchc activity extend'",
    ),
    "extension.note_request": (
        "{unit} đề nghị gia hạn từ {due} đến {until}: {reason}",
        "{unit} asks to extend from {due} to {until}: {reason}",
    ),
    "extension.note_approved": (
        "{unit} gia hạn từ {due} đến {until} (hạn theo kế hoạch {planned}) {note}",
        "{unit} extends from {due} to {until} (the plan's due date {planned}) {note}",
    ),
    "extension.note_refused": (
        "{unit} không đồng ý gia hạn đến {until}: {note}",
        "{unit} refuses to extend to {until}: {note}",
    ),
    "extension.requested": (
        "Đã gửi đề nghị gia hạn hoạt động {id} đến {until}; chờ đầu mối quyết định",
        "Asked to extend activity {id} to {until}; waiting for the coordinator",
    ),
    "extension.approved": (
        "Đã gia hạn hoạt động {id} đến {until} (hạn theo kế hoạch {planned})",
        "Activity {id} extended to {until} (the plan's due date {planned})",
    ),
    "web.extension.title": ("Gia hạn", "Deadline extensions"),
    "web.extension.state.open": ("đang chờ", "waiting"),
    "web.extension.state.approved": ("đã gia hạn", "approved"),
    "web.extension.state.refused": ("không đồng ý", "refused"),
    "web.extension.until": ("Hạn mới đề nghị", "New due date asked for"),
    "web.extension.reason": ("Lý do", "Reason"),
    "web.extension.ask": ("Đề nghị gia hạn", "Ask for an extension"),
    "web.extension.other_date": ("Hạn khác (để trống: theo đề nghị)", "Another date (empty: the one asked for)"),
    "web.extension.note": ("Ý kiến (bắt buộc khi từ chối)", "Note (required to refuse)"),
    "web.extension.beyond_phase": ("Cho phép quá thời hạn của giai đoạn", "Allow a date past the phase's end"),
    "web.extension.approve": ("Phê duyệt gia hạn", "Approve"),
    "web.extension.refuse": ("Từ chối", "Refuse"),
    "web.reassign.title": ("Giao lại đơn vị thực hiện", "Reassign the units"),
    "web.reassign.leads": (
        "Đơn vị chủ trì (mã, cách nhau bằng dấu phẩy)",
        "Lead units (codes, separated by commas)",
    ),
    "web.reassign.partners": (
        "Đơn vị phối hợp (mã, cách nhau bằng dấu phẩy; để trống: không có)",
        "Partner units (codes, separated by commas; empty: none)",
    ),
    "web.reassign.reason": ("Lý do giao lại", "Reason for the reassignment"),
    "web.reassign.go": ("Giao lại", "Reassign"),
    "web.reassigned": ("Đã giao lại hoạt động {id}: chủ trì {leads}", "Activity {id} reassigned: lead {leads}"),
    "web.explain.title": ("Giải trình", "Explanations"),
    "web.explain.asked": (
        "{unit} giải trình trước {by} (yêu cầu ngày {asked}): {question}",
        "{unit} to explain by {by} (asked on {asked}): {question}",
    ),
    "web.explain.answered": ("Đã giải trình ngày {day}: {answer}", "Explained on {day}: {answer}"),
    "web.explain.waiting": ("chưa giải trình", "not yet explained"),
    "web.explain.unit": ("Đơn vị giải trình", "Unit to explain"),
    "web.explain.by": ("Hạn giải trình", "To be explained by"),
    "web.explain.question": ("Nội dung yêu cầu giải trình", "What is to be explained"),
    "web.explain.ask": ("Yêu cầu giải trình", "Ask for an explanation"),
    "web.explain.answer": ("Nội dung giải trình", "The explanation"),
    "web.explain.give": ("Gửi giải trình", "Send the explanation"),
    "web.explanation_asked": (
        "Đã yêu cầu {unit} giải trình hoạt động {id} trước {by}",
        "{unit} asked to explain activity {id} by {by}",
    ),
    "web.explained": ("Đã gửi giải trình hoạt động {id}", "Explanation of activity {id} sent"),
    "web.extension_requested": (
        "Đã gửi đề nghị gia hạn hoạt động {id}; chờ đầu mối quyết định",
        "Asked to extend activity {id}; waiting for the coordinator",
    ),
    "event.reassign": ("giao lại đơn vị thực hiện", "reassign"),
    "reassign.final": ("hoạt động đã {state}, không giao lại được", "the activity is {state}: it cannot be reassigned"),
    "reassign.nobody": (
        "phải có ít nhất một đơn vị chủ trì (--lead); muốn dừng hoạt động thì dùng 'cchc activity cancel'",
        "at least one lead unit is needed (--lead); to stop the activity use 'cchc activity cancel'",
    ),
    "reassign.unknown": (
        "không có đơn vị {units} trong danh mục; hãy dùng mã trong 'cchc units' hoặc bổ sung danh mục",
        "no unit {units} in the directory; use a code from 'cchc units' or add it to the directory",
    ),
    "reassign.both": (
        "đơn vị {units} vừa chủ trì vừa phối hợp; hãy chọn một vai trò",
        "unit(s) {units} both lead and partner; choose one role",
    ),
    "reassign.same": ("phân công không đổi; hãy nêu đơn vị mới", "the assignment is unchanged; name the new units"),
    "reassign.refused": (
        "không giao lại được hoạt động {id}: {reason}",
        "activity {id} cannot be reassigned: {reason}",
    ),
    "reassign.note": (
        "{unit} giao lại: chủ trì {old_leads} → {leads}; phối hợp {old_partners} → {partners}: {reason}",
        "{unit} reassigns: lead {old_leads} → {leads}; partners {old_partners} → {partners}: {reason}",
    ),
    "reassign.current": (
        "Phân công hiện hành (đã giao lại): chủ trì {leads}; phối hợp {partners}",
        "Assignment in force (reassigned): lead {leads}; partners {partners}",
    ),
    "headline.reassigned": ("GIAO LẠI NHIỆM VỤ", "REASSIGNED"),
    "headline.relieved": ("THÔI THỰC HIỆN NHIỆM VỤ", "NO LONGER ASSIGNED"),
    "expect.reassigned.lead": (
        "{unit} giao lại hoạt động cho đơn vị (trước đây: {old}): {text}. Đề nghị tổ chức "
        "thực hiện và báo cáo trước ngày {end}",
        "{unit} reassigned the activity to your unit (was: {old}): {text}. Carry it out and report by {end}",
    ),
    "expect.reassigned.partner": (
        "{unit} giao lại hoạt động; đơn vị phối hợp với đơn vị chủ trì {leads}: {text}",
        "{unit} reassigned the activity; work with the lead unit(s) {leads}: {text}",
    ),
    "expect.relieved": (
        "{unit} đã giao hoạt động cho {leads}; đơn vị không còn phải thực hiện: {text}",
        "{unit} gave the activity to {leads}; your unit no longer carries it: {text}",
    ),
    "digest.count.reassigned": ("{n} việc được giao lại", "{n} reassigned task(s)"),
    "digest.count.relieved": ("{n} việc thôi thực hiện", "{n} task(s) no longer yours"),
    "event.explanation_asked": ("yêu cầu giải trình", "ask for an explanation"),
    "event.explanation_given": ("giải trình", "explain"),
    "explain.bad_state": (
        "hoạt động đang '{state}'; chỉ yêu cầu giải trình khi: {allowed}",
        "the activity is '{state}'; an explanation is asked only when: {allowed}",
    ),
    "explain.not_lead": (
        "{unit} không chủ trì hoạt động này; hãy yêu cầu đơn vị chủ trì: {leads}",
        "{unit} does not lead this activity; ask a lead unit: {leads}",
    ),
    "explain.past": (
        "hạn giải trình {by} đã qua (hôm nay {today}); hãy chọn một ngày từ hôm nay trở đi",
        "the date {by} is in the past (today is {today}); choose a day from today on",
    ),
    "explain.already": (
        "{unit} đã được yêu cầu giải trình và chưa trả lời; hãy chờ hoặc nhắc đơn vị",
        "{unit} was already asked and has not answered; wait for it or remind the unit",
    ),
    "explain.refused": (
        "không yêu cầu giải trình được về hoạt động {id}: {reason}",
        "cannot ask for an explanation of activity {id}: {reason}",
    ),
    "explain.none_open": (
        "{unit} không có yêu cầu giải trình nào đang chờ về hoạt động {id}; chỉ đơn vị được yêu cầu mới giải trình",
        "{unit} has no request for an explanation of activity {id} waiting; only the unit asked explains",
    ),
    "explain.note_asked": (
        "{unit} yêu cầu {to} giải trình trước ngày {by}: {text}",
        "{unit} asks {to} to explain by {by}: {text}",
    ),
    "headline.explanation_asked": ("YÊU CẦU GIẢI TRÌNH", "EXPLANATION REQUESTED"),
    "headline.explanation_given": ("ĐÃ GIẢI TRÌNH", "EXPLANATION GIVEN"),
    "headline.explanation_missing": ("CHƯA GIẢI TRÌNH ĐÚNG HẠN", "EXPLANATION OVERDUE"),
    "expect.explanation_asked": (
        "{unit} yêu cầu đơn vị giải trình việc chậm/không đạt: {text}. Đề nghị gửi giải trình trước ngày {by}",
        "{unit} asks your unit to explain the delay or shortfall: {text}. Send your explanation by {by}",
    ),
    "expect.explanation_given": ("{unit} giải trình: {text}", "{unit} explains: {text}"),
    "expect.explanation_missing.leadership": (
        "đơn vị {leads} chưa giải trình về hoạt động quá hạn/bị trả lại theo yêu cầu; kính báo cáo để lãnh đạo chỉ đạo",
        "the lead unit(s) {leads} did "
        "not explain the overdue or returned activity as asked; for the "
        "leadership's direction",
    ),
    "expect.explanation_missing.lead": (
        "đơn vị chưa giải trình theo yêu cầu; việc đã được báo cáo lãnh đạo. Đề nghị giải trình ngay",
        "your unit has not explained as asked; it was escalated to the leadership. Explain now",
    ),
    "digest.count.explanation_asked": ("{n} yêu cầu giải trình", "{n} request(s) for explanation"),
    "digest.count.explanation_given": ("{n} giải trình", "{n} explanation(s)"),
    "digest.count.explanation_missing": ("{n} việc chưa giải trình", "{n} explanation(s) overdue"),
    "review.evidence.explanation": ("giải trình", "explanation"),
    "review.series": ("Hoạt động định kỳ và hoạt động của từng đơn vị", "Recurring and per-unit activities"),
    "review.series_activity": ("Hoạt động", "Activity"),
    "review.series_items": ("Số kỳ/đơn vị đã mở", "Items opened"),
    "review.series_done": ("Đã hoàn thành", "Done"),
    "review.series_on_time": ("Đúng hạn/đến hạn", "On time/due"),
    "review.series_late": ("Muộn", "Late"),
    "review.series_missed": ("Bỏ lỡ (quá hạn, chưa hoàn thành)", "Missed (overdue, not done)"),
    "review.explanations": ("Giải trình của các đơn vị", "Explanations given by the units"),
    "explain.line": (
        "{id} — {unit}, được yêu cầu ngày {asked} (hạn {by}): {question}. Giải trình ngày {answered}: {answer}",
        "{id} — {unit}, asked on {asked} (by {by}): {question}. Explained on {answered}: {answer}",
    ),
    "score.bad_format": (
        "định dạng '{fmt}' không có; hãy dùng table, csv, json hoặc xlsx",
        "no format '{fmt}'; use table, csv, json or xlsx",
    ),
    "score.needs_output": ("định dạng xlsx cần --output TỆP.xlsx", "the xlsx format needs --output FILE.xlsx"),
    "score.written": ("Đã ghi {path}", "Wrote {path}"),
    "score.rank": ("Hạng", "Rank"),
    "score.counted": ("Số việc tính điểm", "Counted"),
    "score.on_time": ("Đúng hạn", "On time"),
    "score.late": ("Trễ hạn", "Late"),
    "score.overdue": ("Quá hạn", "Overdue"),
    "score.extended": ("Gia hạn", "Extended"),
    "score.explanations": ("Phải giải trình", "Explanations asked"),
    "score.completion": ("Tỷ lệ hoàn thành", "Completion"),
    "score.punctuality": ("Tỷ lệ đúng hạn", "Punctuality"),
    "score.score": ("Điểm", "Score"),
    "score.heading": ("Xếp hạng đơn vị", "Unit ranking"),
    "score.title": (
        "Điểm của các đơn vị — {plan}{scope}, đến ngày {date}",
        "Unit scores — {plan}{scope}, as of {date}",
    ),
    "score.phase": (", giai đoạn {n}", ", phase {n}"),
    "score.year": (", năm {n}", ", year {n}"),
    "score.formula": (
        "Điểm = 100 × Σ hệ số vai trò × (kết quả − gia hạn − giải trình) / Σ hệ số vai trò, trong "
        "khoảng 0–100; hệ số: chủ trì {lead}, phối hợp {partner}; kết quả: đúng hạn {on_time}, trễ hạn "
        "{late}, quá hạn {overdue}; trừ {extension} cho mỗi lần được gia hạn và {explanation} khi phải "
        "giải trình. Việc chưa đến hạn, chưa đến thời gian hoặc đã hủy không tính.",
        "Score = 100 × Σ role weight × (outcome − extension − explanation) / Σ role weight, from 0 to "
        "100; weights: lead {lead}, partner {partner}; outcome: on time {on_time}, late {late}, overdue "
        "{overdue}; minus {extension} when extended and {explanation} when asked to explain. Activities "
        "not yet due, not yet open or cancelled are not counted.",
    ),
    "extension.choose": (
        'hãy chọn một trong --approve hoặc --refuse --note "…"',
        'choose one of --approve or --refuse --note "…"',
    ),
    "extension.refused_done": (
        "Đã từ chối đề nghị gia hạn hoạt động {id}",
        "The request to extend activity {id} was refused",
    ),
    "extension.due_beside": ("{due} (gia hạn; theo kế hoạch {planned})", "{due} (extended; planned {planned})"),
    "headline.extension_requested": ("ĐỀ NGHỊ GIA HẠN", "EXTENSION REQUESTED"),
    "headline.extension_approved": ("ĐÃ ĐƯỢC GIA HẠN", "DEADLINE EXTENDED"),
    "headline.extension_refused": ("KHÔNG ĐƯỢC GIA HẠN", "EXTENSION REFUSED"),
    "expect.extension_requested": (
        "{unit} đề nghị gia hạn từ {due} đến {until}: {text}. Đề nghị phê duyệt hoặc từ chối",
        "{unit} asks to extend from {due} to {until}: {text}. Please approve or refuse it",
    ),
    "expect.extension_approved": (
        "hạn mới là {until} (trước đây {due}); đề nghị báo cáo hoàn thành, kèm minh chứng, trước ngày {until}",
        "the new due date is {until} (was {due}); report it done, with evidence, by {until}",
    ),
    "expect.extension_refused": (
        "đề nghị gia hạn đến {until} không được chấp nhận: {text}. Hạn vẫn là {end}",
        "the extension to {until} was refused: {text}. The due date stays {end}",
    ),
    "digest.count.extension_requested": ("{n} đề nghị gia hạn", "{n} extension request(s)"),
    "digest.count.extension_approved": ("{n} việc được gia hạn", "{n} extended task(s)"),
    "digest.count.extension_refused": ("{n} đề nghị gia hạn bị từ chối", "{n} extension(s) refused"),
    "state.planned": ("chưa đến thời gian", "planned"),
    "state.assigned": ("đã giao", "assigned"),
    "state.reported": ("đã báo cáo", "reported"),
    "state.accepted": ("đã công nhận", "accepted"),
    "state.overdue": ("quá hạn", "overdue"),
    "state.returned": ("bị trả lại", "returned"),
    "state.cancelled": ("đã hủy", "cancelled"),
    "status.done_on_time": ("hoàn thành đúng hạn", "done on time"),
    "status.done_late": ("hoàn thành trễ hạn", "done late"),
    "status.in_time": ("chưa hoàn thành, trong hạn", "not done, within the deadline"),
    "status.overdue": ("chưa hoàn thành, quá hạn", "not done, overdue"),
    "status.not_open": ("chưa đến thời gian thực hiện", "not yet open"),
    "status.cancelled": ("đã hủy", "cancelled"),
    "status.days_late": ("trễ {days} ngày", "{days} days late"),
    "status.days_overdue": ("quá hạn {days} ngày", "{days} days overdue"),
    "col.status4": ("Tình trạng thực hiện", "Status"),
    "transition.concurrent": (
        "hoạt động {id} vừa được thay đổi bởi người khác; hãy xem lại trạng thái và thử lại",
        "activity {id} was just changed by someone else; look at its state and try again",
    ),
    "phase.unknown": (
        "kế hoạch {plan} không có giai đoạn {phase} (có: {known})",
        "plan {plan} has no phase {phase} (known: {known})",
    ),
    # audit: hash chains, history, Prefect runs
    "chain.transition": ("lịch sử các bước", "step history"),
    "chain.delivery": ("nhật ký gửi thông báo", "delivery log"),
    "audit.unsealed": (
        "{plan} · {chain}: dòng id {id} không có số thứ tự/mã băm — được chèn ngoài cchc",
        "{plan} · {chain}: row id {id} has no place or hash in the chain — inserted outside cchc",
    ),
    "audit.removed": (
        "{plan} · {chain}: thiếu {n} dòng (từ số thứ tự {expected}) ngay trước dòng id {id} "
        "(số thứ tự {seq}) — đã bị xóa",
        "{plan} · {chain}: {n} row(s) missing (from seq {expected}) just before row id {id} (seq {seq}) — removed",
    ),
    "audit.duplicate": (
        "{plan} · {chain}: dòng id {id} mang số thứ tự {seq}, đáng lẽ là {expected} — "
        "các dòng bị sắp xếp lại hoặc chèn thêm",
        "{plan} · {chain}: row id {id} has seq {seq} where {expected} was expected — rows reordered or inserted",
    ),
    "audit.link": (
        "{plan} · {chain}: dòng id {id} (số thứ tự {seq}) nối với mã băm {found}…, nhưng dòng trước "
        "nó có {expected}… — dòng trước đã bị sửa rồi băm lại, hoặc các dòng bị xóa/sắp xếp lại",
        "{plan} · {chain}: row id {id} (seq {seq}) links to hash {found}…, but the row before it has "
        "{expected}… — the row before was altered and re-hashed, or rows were removed/reordered",
    ),
    "audit.order": (
        "{plan} · {chain}: dòng id {id} (số thứ tự {seq}) đứng sau dòng id {previous} nhưng có id nhỏ hơn "
        "— bị sắp xếp lại",
        "{plan} · {chain}: row id {id} (seq {seq}) comes after row id {previous} but has a smaller id — reordered",
    ),
    "audit.altered": (
        "{plan} · {chain}: dòng id {id} (số thứ tự {seq}) đã bị sửa sau khi ghi: mã băm tính lại "
        "{expected}… khác mã đã lưu {found}…",
        "{plan} · {chain}: row id {id} (seq {seq}) was altered after it was written: its hash "
        "computes to {expected}…, {found}… is stored",
    ),
    "audit.notification": (
        "{plan} · {chain}: dòng id {id}: thông báo {notification} mà dòng này ghi nhận đã bị "
        "xóa hoặc chuyển sang kế hoạch khác",
        "{plan} · {chain}: row id {id}: notification {notification} it delivered was removed or moved to another plan",
    ),
    "audit.stray": (
        "nhật ký gửi thông báo: dòng id {id} không thuộc chuỗi nào (không có kế hoạch) — được chèn ngoài cchc",
        "delivery log: row id {id} belongs to no chain (no plan) — inserted outside cchc",
    ),
    "audit.truncated": (
        "{plan} · {chain}: mốc đã ghi ở số thứ tự {seq} không còn — chuỗi chỉ còn {rows} dòng: các dòng cuối đã bị xóa",
        "{plan} · {chain}: the anchor at seq {seq} is gone — the chain has only {rows} rows: rows "
        "were removed from its end",
    ),
    "audit.anchor": (
        "{plan} · {chain}: dòng số thứ tự {seq} không còn mã băm {expected}… như mốc đã ghi",
        "{plan} · {chain}: the row at seq {seq} no longer has the anchored hash {expected}…",
    ),
    "audit.bad_anchor": (
        "mốc '{value}' không đọc được; hãy viết CHUỖI:SỐ_THỨ_TỰ:MÃ_BĂM, ví dụ transition:120:3f9a…"
        " (in ra bởi lần kiểm tra trước)",
        "unreadable anchor '{value}'; write CHAIN:SEQ:HASH, e.g. transition:120:3f9a… (printed by an earlier verify)",
    ),
    "audit.triggers": (
        "cơ sở dữ liệu không còn chặn sửa/xóa lịch sử: thiếu trigger {names}",
        "the database no longer refuses changes to the history: triggers missing: {names}",
    ),
    "audit.chain_line": (
        "{plan} · {chain}: {rows} dòng; mốc để đối chiếu lần sau: {anchor}",
        "{plan} · {chain}: {rows} rows; anchor for a later check: {anchor}",
    ),
    "audit.whole": (
        "Lịch sử nguyên vẹn: {chains} chuỗi, {rows} dòng đã kiểm tra",
        "History intact: {chains} chains, {rows} rows checked",
    ),
    "audit.broken": ("Lịch sử KHÔNG nguyên vẹn: {n} vấn đề", "History NOT intact: {n} problem(s)"),
    "history.title": ("Lịch sử kế hoạch {plan}", "History of plan {plan}"),
    "history.more": (
        "Chỉ hiện {n} dòng đầu; dùng --limit, hoặc --format csv|json|xlsx để xuất tất cả",
        "Only the first {n} rows are shown; use --limit, or --format csv|json|xlsx to export them all",
    ),
    "history.empty": ("Không có dòng nào khớp bộ lọc", "No row matches the filters"),
    "history.written": ("Đã ghi {n} dòng vào {path}", "Wrote {n} rows to {path}"),
    "history.needs_output": ("--format xlsx cần --output TỆP.xlsx", "--format xlsx needs --output FILE.xlsx"),
    "history.bad_format": (
        "định dạng '{fmt}' không có; hãy dùng table, csv, json hoặc xlsx",
        "no format '{fmt}'; use table, csv, json or xlsx",
    ),
    "history.other_org": (
        "đơn vị {unit} thuộc tổ chức {org}, không thuộc tổ chức {own} của kế hoạch {plan}",
        "unit {unit} belongs to {org}, not to {own}, whose plan {plan} is",
    ),
    "history.unknown_unit": ("đơn vị '{unit}' không có trong danh mục", "unit '{unit}' is not in the directory"),
    "history.unknown_activity": ("kế hoạch {plan} không có hoạt động {id}", "plan {plan} has no activity {id}"),
    "history.run_hint": ("Xem lần chạy trên Prefect: {url}", "See the run in Prefect: {url}"),
    "kind.step": ("bước", "step"),
    "kind.notice": ("thông báo", "notice"),
    "result.ok": ("đã gửi", "delivered"),
    "result.failed": ("lỗi", "failed"),
    "hcol.kind": ("Loại", "Kind"),
    "hcol.id": ("Mã dòng", "Row id"),
    "hcol.seq": ("Số thứ tự trong chuỗi", "Chain seq"),
    "hcol.at": ("Thời điểm ghi (giờ Việt Nam)", "Recorded at (Vietnam time)"),
    "hcol.day": ("Ngày tính", "Counts for"),
    "hcol.at_short": ("Thời điểm (giờ VN)", "When (Vietnam)"),
    "hcol.who": ("Người thực hiện / nơi nhận, kênh", "Actor / recipient, route"),
    "hcol.entity": ("Đối tượng", "Entity"),
    "hcol.key": ("Mã đối tượng", "Key"),
    "hcol.event": ("Sự kiện / thông báo", "Event / notice"),
    "hcol.from_state": ("Từ trạng thái", "From state"),
    "hcol.to_state": ("Sang trạng thái", "To state"),
    "hcol.actor": ("Người thực hiện", "Actor"),
    "hcol.source": ("Nguồn", "Source"),
    "hcol.unit": ("Đơn vị nhận", "Recipient unit"),
    "hcol.route": ("Kênh gửi", "Route"),
    "hcol.result": ("Kết quả", "Result"),
    "hcol.attempts": ("Số lần gửi", "Attempts"),
    "hcol.note": ("Ghi chú / lỗi", "Note / error"),
    "hcol.flow_run_id": ("Lần chạy Prefect", "Prefect flow run"),
    "hcol.flow_run_url": ("Liên kết Prefect", "Prefect link"),
    "hcol.task_run_id": ("Tác vụ Prefect", "Prefect task run"),
    "hcol.row_hash": ("Mã băm", "Row hash"),
    "history.sheet": ("Lịch sử", "History"),
    "history.file_stem": ("lich-su", "history"),
    "history.file_from": ("tu-{day}", "from-{day}"),
    "history.file_until": ("den-{day}", "until-{day}"),
    "entity.activity": ("Hoạt động", "Activity"),
    "runs.title": ("Các lần chạy Prefect của kế hoạch {plan}", "Prefect flow runs of plan {plan}"),
    "runs.col_flow": ("Luồng", "Flow"),
    "runs.col_name": ("Tên lần chạy", "Run name"),
    "runs.col_start": ("Bắt đầu (giờ Việt Nam)", "Started (Vietnam time)"),
    "runs.col_steps": ("Số bước đã ghi", "Steps recorded"),
    "runs.col_deliveries": ("Số lần gửi", "Deliveries"),
    "runs.untagged": (
        "lần chạy {id} ({flow}) có trong Prefect nhưng không gắn thẻ {plan}: {steps} bước",
        "flow run {id} ({flow}) is known to Prefect but not tagged {plan}: {steps} steps",
    ),
    "runs.unknown": (
        "{n} bước ghi lần chạy Prefect {id} mà Prefect không biết (dòng đầu: id {first})",
        "{n} step(s) name Prefect flow run {id}, which Prefect does not know (first: row id {first})",
    ),
    "runs.ok": (
        "Mọi bước ghi trong lần chạy Prefect đều khớp với Prefect ({runs} lần chạy)",
        "Every step recorded inside a flow run matches a run Prefect knows ({runs} runs)",
    ),
    "runs.unreachable": (
        "không đọc được Prefect API ({detail}); hãy kiểm tra PREFECT_API_URL",
        "cannot read the Prefect API ({detail}); check PREFECT_API_URL",
    ),
    # notifications (digest per unit)
    "digest.title": ("[{number}] {what}", "[{number}] {what}"),
    "digest.nearest": ("hạn gần nhất {date}", "nearest due date {date}"),
    "digest.count.assigned": ("{n} việc mới", "{n} new task(s)"),
    "digest.count.reminder": ("{n} việc sắp đến hạn", "{n} task(s) due soon"),
    "digest.count.overdue": ("{n} việc quá hạn", "{n} overdue task(s)"),
    "digest.count.escalation": ("{n} việc quá hạn báo cáo lãnh đạo", "{n} overdue task(s) escalated"),
    "digest.count.reported": ("{n} báo cáo chờ xem xét", "{n} report(s) to review"),
    "digest.count.accepted": ("{n} việc được công nhận", "{n} task(s) accepted"),
    "digest.count.returned": ("{n} việc bị trả lại", "{n} task(s) returned"),
    "digest.count.cancelled": ("{n} việc bị hủy", "{n} task(s) cancelled"),
    "digest.count.note": ("{n} ghi chú mới", "{n} new note(s)"),
    "digest.count.review": ("{n} báo cáo sơ kết, tổng kết", "{n} review report(s)"),
    "digest.count.report_reminder": ("{n} báo cáo định kỳ sắp đến hạn", "{n} periodic report(s) due soon"),
    "digest.count.report_missing": ("{n} kỳ báo cáo định kỳ còn thiếu", "{n} periodic report(s) missing"),
    "digest.count.report_submitted": ("{n} báo cáo định kỳ đã nhận", "{n} periodic report(s) received"),
    "digest.attachments": ("Tệp đính kèm: {files}", "Attached: {files}"),
    "digest.link_text": ("Mở cổng thông tin để xem và báo cáo", "Open the portal to see and report it"),
    "digest.link_note": ("đường dẫn riêng của đơn vị, có hạn 14 ngày", "your unit's own link, valid for 14 days"),
    "digest.link_copy": (
        "Nếu liên kết không mở được, hãy chép địa chỉ này vào trình duyệt:",
        "If the link does not open, copy this address into your browser:",
    ),
    "period.half": ("6 tháng đầu năm {year}", "first half of {year}"),
    "period.year": ("năm {year}", "{year}"),
    "digest.first": ("CẦN LÀM — {id}: {text}{more}", "TO DO — {id}: {text}{more}"),
    "digest.first_more": (" (và {n} việc khác bên dưới)", " (and {n} more below)"),
    "digest.first_info": ("ĐỂ BIẾT: {what}; không cần làm gì thêm", "FOR INFORMATION: {what}; nothing to do"),
    "digest.greeting": ("Kính gửi: {unit}", "To: {unit}"),
    "digest.morning": ("Nhắc việc ngày {date}", "Tasks for {date}"),
    "quiet.held": (
        "giữ lại trong giờ yên lặng/ngày nghỉ, gửi từ {until}",
        "held in quiet hours/on a day off, sent from {until}",
    ),
    "quiet.hours": (
        "CCHC_QUIET_HOURS='{text}': cần dạng HH:MM-HH:MM (giờ Việt Nam), ví dụ 17:30-07:30, hoặc off",
        "CCHC_QUIET_HOURS='{text}': expected HH:MM-HH:MM (Vietnam time), e.g. 17:30-07:30, or off",
    ),
    "digest.plan": ("Kế hoạch {number}: {title}", "Plan {number}: {title}"),
    "digest.item": ("{headline} — hoạt động {id}, {phase}", "{headline} — activity {id}, {phase}"),
    "digest.window": ("Thời gian thực hiện: {start} – {end} (hạn: {end})", "Window: {start} – {end} (due: {end})"),
    "digest.due": ("Hạn: {end}", "Due: {end}"),
    "digest.role": ("Vai trò của đơn vị: {role}", "Your unit's role: {role}"),
    "digest.expected": ("Việc cần làm: {text}", "What is expected: {text}"),
    "digest.footer": (
        "Thư này do cchc-flow gửi tự động; mỗi việc chỉ được thông báo một lần.",
        "Sent by cchc-flow; each item is notified once.",
    ),
    "headline.assigned": ("GIAO NHIỆM VỤ", "NEW ASSIGNMENT"),
    "headline.reminder": ("NHẮC HẠN: còn {offset} ngày", "REMINDER: {offset} day(s) left"),
    "headline.overdue": ("QUÁ HẠN", "OVERDUE"),
    "headline.escalation": ("BÁO CÁO LÃNH ĐẠO: quá hạn {offset} ngày", "ESCALATED: {offset} days overdue"),
    "role.lead": ("chủ trì", "lead"),
    "role.partner": ("phối hợp", "partner"),
    "role.coordinator": ("đầu mối theo dõi kế hoạch", "the plan's coordinator"),
    "role.leadership": ("lãnh đạo", "leadership"),
    "expect.assigned.lead": (
        "tổ chức thực hiện và báo cáo hoàn thành, kèm minh chứng, trước ngày {end}",
        "carry it out and report it done, with evidence, by {end}",
    ),
    "expect.assigned.partner": (
        "phối hợp với đơn vị chủ trì: {leads}; thực hiện trước ngày {end}",
        "work with the lead unit(s): {leads}; to be done by {end}",
    ),
    "expect.assigned.coordinator": (
        "kế hoạch không ghi đơn vị chủ trì cho hoạt động này; đề nghị phân công đơn vị chủ trì và theo dõi đến ngày {end}",
        "the plan names no lead unit for this activity; designate one and follow it up to {end}",
    ),
    "expect.reminder": (
        "báo cáo hoàn thành, kèm minh chứng, trước ngày {end}",
        "report it done, with evidence, by {end}",
    ),
    "expect.overdue.lead": (
        "đã quá hạn {end} mà chưa báo cáo; đề nghị báo cáo ngay, kèm minh chứng",
        "the due date {end} has passed without a report; report now, with evidence",
    ),
    "expect.overdue.coordinator": (
        "hoạt động do {leads} chủ trì đã quá hạn {end} mà chưa báo cáo; đề nghị đôn đốc",
        "the activity led by {leads} passed its due date {end} unreported; please follow up",
    ),
    "expect.escalation.leadership": (
        "hoạt động do {leads} chủ trì đã quá hạn {offset} ngày (hạn {end}); kính báo cáo để lãnh đạo chỉ đạo",
        "the activity led by {leads} is {offset} days overdue (due {end}); for the leadership's direction",
    ),
    "expect.escalation.lead": (
        "việc quá hạn đã được báo cáo lãnh đạo; đề nghị báo cáo ngay, kèm minh chứng",
        "the overdue activity has been escalated to the leadership; report now, with evidence",
    ),
    "unrouted": (
        "chưa có kênh thông báo nào mang thẻ {tags}; hãy thêm vào tệp cấu hình Apprise {config}",
        "no notification route carries the tag(s) {tags}; add one to the Apprise config {config}",
    ),
    "delivery.failed": (
        "không gửi được cho {unit} qua: {routes}; thông báo vẫn chờ và sẽ được gửi lại",
        "could not deliver to {unit} via: {routes}; the notification stays pending and will be retried",
    ),
    "delivery.pending": ("chưa gửi được; sẽ gửi lại ở lần chạy sau", "not delivered; will be retried on the next run"),
    "artifact.phase": (
        "Trạng thái các hoạt động của {plan}, {phase}, ngày {date}",
        "Activity states of {plan}, {phase}, as of {date}",
    ),
    "artifact.not_posted": (
        "Không gửi được bảng trạng thái của lượt chạy lên Prefect ({error}); hồ sơ của lượt chạy trong cơ sở dữ liệu "
        "vẫn đầy đủ.",
        "The run's table could not be posted to Prefect ({error}); the run's record in the database is whole.",
    ),
    "artifact.events": ("Sự kiện", "Events"),
    "artifact.queued": ("Thư mới", "New messages"),
    "task.open": ("mở kỳ", "open periods"),
    "task.record": ("ghi nhận", "record"),
    "task.deliver": ("gửi thông báo", "deliver"),
    # unit actions
    "attach.missing": (
        "không tìm thấy tệp đính kèm {path}; hãy kiểm tra đường dẫn",
        "attachment {path} not found; check the path",
    ),
    "attach.not_file": (
        "{path} không phải là tệp; hãy đính kèm từng tệp",
        "{path} is not a file; attach files one by one",
    ),
    "attach.too_big": (
        "tệp {path} lớn hơn {limit} MB; hãy nén hoặc chia nhỏ",
        "{path} is larger than {limit} MB; compress or split it",
    ),
    "action.not_lead": (
        "chỉ đơn vị chủ trì ({leads}) được báo cáo hoàn thành hoạt động {id}; {unit} có thể thêm ghi chú bằng 'cchc activity note'",
        "only the lead unit(s) ({leads}) may report activity {id} done; {unit} can add a note with 'cchc activity note'",
    ),
    "action.not_concerned": (
        "đơn vị {unit} không chủ trì cũng không phối hợp hoạt động {id}",
        "unit {unit} neither leads nor partners activity {id}",
    ),
    "action.not_coordinator": (
        "chỉ đơn vị đầu mối của kế hoạch ({coordinator}), bằng mã truy cập vai trò coordinator, "
        "được {event}; {unit} không được phép",
        "only the plan's coordinator ({coordinator}), with a coordinator token, may {event}; {unit} may not",
    ),
    "action.unknown_unit": (
        "không có đơn vị '{unit}' trong danh mục; hãy xem 'cchc units'",
        "no unit '{unit}' in the directory; see 'cchc units'",
    ),
    "action.unknown_activity": (
        "không có hoạt động '{id}' trong kế hoạch {plan}; hãy xem 'cchc plan show {plan}'",
        "no activity '{id}' in plan {plan}; see 'cchc plan show {plan}'",
    ),
    "action.which_plan": (
        "có nhiều kế hoạch ({plans}); hãy chọn bằng --plan",
        "several plans are loaded ({plans}); choose one with --plan",
    ),
    "action.no_plan": (
        "chưa nạp kế hoạch nào; hãy chạy 'cchc plan load' trước",
        "no plan is loaded; run 'cchc plan load' first",
    ),
    "action.empty_text": ("hãy ghi nội dung ({what})", "write the text ({what})"),
    "action.done": ("Đã ghi: {id} → {state}", "Recorded: {id} → {state}"),
    "action.noted": ("Đã ghi chú vào hoạt động {id}", "Note added to activity {id}"),
    "headline.reported": ("ĐÃ BÁO CÁO HOÀN THÀNH", "REPORTED DONE"),
    "headline.accepted": ("ĐÃ ĐƯỢC CÔNG NHẬN", "ACCEPTED"),
    "headline.returned": ("BỊ TRẢ LẠI", "RETURNED"),
    "headline.cancelled": ("ĐÃ HỦY", "CANCELLED"),
    "headline.note": ("GHI CHÚ CỦA ĐƠN VỊ PHỐI HỢP", "NOTE FROM A UNIT"),
    "expect.reported": (
        "{unit} báo cáo ({on_time}): {text}. Đề nghị xem xét, công nhận hoặc trả lại trên cổng thông tin",
        "{unit} reported ({on_time}): {text}. Please review it, and accept or return it, on the portal",
    ),
    "expect.accepted": ("kết quả đã được {unit} công nhận{note}", "the result was accepted by {unit}{note}"),
    "expect.returned": (
        "báo cáo bị {unit} trả lại: {text}. Đề nghị bổ sung và báo cáo lại trước ngày {end}",
        "the report was returned by {unit}: {text}. Complete it and report again by {end}",
    ),
    "expect.cancelled": ("hoạt động đã được {unit} hủy: {text}", "the activity was cancelled by {unit}: {text}"),
    "expect.note": ("{unit} ghi chú: {text}", "{unit} notes: {text}"),
    "on_time": ("đúng hạn", "on time"),
    "late": ("trễ hạn", "late"),
    # review reports (sơ kết / tổng kết)
    "review.kind.preliminary": ("BÁO CÁO SƠ KẾT", "PRELIMINARY REVIEW REPORT"),
    "review.kind.final": ("BÁO CÁO TỔNG KẾT", "FINAL REVIEW REPORT"),
    "review.plan": ("Kế hoạch số {number}: {title}", "Plan No. {number}: {title}"),
    "review.phase": ("{name}: từ {start} đến {end}", "{name}: {start} to {end}"),
    "review.phase_word": ("Giai đoạn", "Phase"),
    "review.grand_total": ("Tổng cộng", "Total"),
    "office.signer_default": ("THỦ TRƯỞNG ĐƠN VỊ", "HEAD OF UNIT"),
    "doc.nation": ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIETNAM"),
    "doc.motto": ("Độc lập - Tự do - Hạnh phúc", "Independence - Freedom - Happiness"),
    "doc.number": ("Số:        /BC-{symbol}", "No.:        /BC-{symbol}"),
    "doc.type": ("BÁO CÁO", "REPORT"),
    "doc.intro": (
        "Thực hiện {plan} (Quyết định số {number}), {unit} báo cáo kết quả {phase}, như sau:",
        "Under {plan} (Decision No. {number}), {unit} reports the results of {phase}, as follows:",
    ),
    "doc.part.summary": ("I. KẾT QUẢ CHUNG", "I. OVERALL RESULTS"),
    "doc.part.units": ("II. KẾT QUẢ THEO ĐƠN VỊ CHỦ TRÌ", "II. RESULTS BY LEAD UNIT"),
    "doc.part.scores": ("{n}. XẾP HẠNG CÁC ĐƠN VỊ", "{n}. UNIT RANKING"),
    "doc.part.series": (
        "{n}. HOẠT ĐỘNG ĐỊNH KỲ VÀ HOẠT ĐỘNG CỦA TỪNG ĐƠN VỊ",
        "{n}. RECURRING AND PER-UNIT ACTIVITIES",
    ),
    "doc.part.explanations": ("{n}. GIẢI TRÌNH CỦA CÁC ĐƠN VỊ", "{n}. EXPLANATIONS GIVEN BY THE UNITS"),
    "doc.appendix": ("PHỤ LỤC: KẾT QUẢ TỪNG HOẠT ĐỘNG", "APPENDIX: ACTIVITY BY ACTIVITY"),
    "doc.appendix_of": (
        "(Kèm theo Báo cáo số        /BC-{symbol} ngày {date} của {unit})",
        "(Attached to report No.        /BC-{symbol} of {date} by {unit})",
    ),
    "doc.evidence": ("Minh chứng:", "Evidence:"),
    "doc.recipients": ("Nơi nhận:", "Distribution:"),
    "pdf.no_font": (
        "không tìm thấy phông chữ có đủ chữ tiếng Việt để viết báo cáo PDF (đã tìm trong {where}); hãy cài "
        "phông Liberation Serif bản 2 (apt-get install fonts-liberation2) hoặc đặt CCHC_PDF_FONT_DIR là thư mục "
        "chứa bốn tệp .ttf (thường, đậm, nghiêng, đậm nghiêng) của một phông có dấu tiếng Việt",
        "no font with the Vietnamese letters was found to write the PDF report (looked in {where}); "
        "install Liberation Serif 2 (apt-get install fonts-liberation2) or set CCHC_PDF_FONT_DIR to a "
        "folder holding the four .ttf files (regular, bold, italic, bold italic) of a Vietnamese font",
    ),
    "office.to_leadership": ("{unit} (để báo cáo)", "{unit} (for information)"),
    "office.archive": ("Lưu: VT, {symbol}", "Filed: archive, {symbol}"),
    "review.rate_note": (
        "Tỷ lệ đúng hạn = số hoạt động báo cáo đúng hạn / số hoạt động đã báo cáo hoặc đã quá hạn "
        "mà chưa báo cáo (không tính hoạt động đã hủy). Ở dòng tổng cộng, hoạt động có nhiều đơn vị "
        "chủ trì được tính một lần.",
        "On-time rate = activities reported on time / activities reported, or past due and never "
        "reported (cancelled ones left out). In the total row an activity with several lead units "
        "counts once.",
    ),
    "review.held.preliminary": ("Ngày sơ kết: {date}", "Review held on: {date}"),
    "review.held.final": ("Ngày tổng kết: {date}", "Review held on: {date}"),
    "review.coordinator": ("Đầu mối theo dõi: {unit}", "Coordinator: {unit}"),
    "review.summary_heading": ("Tóm tắt", "Summary"),
    "review.summary": (
        "Có {total} hoạt động trong phạm vi đánh giá: {accepted} đã công nhận, {cancelled} đã hủy; "
        "{on_time} báo cáo đúng hạn, {late} báo cáo trễ hạn.",
        "{total} activities are under review: {accepted} accepted, {cancelled} cancelled; "
        "{on_time} reported on time, {late} reported late.",
    ),
    "review.not_completed": ("Chưa hoàn thành ({n}): {ids}.", "Not completed ({n}): {ids}."),
    "review.all_completed": (
        "Tất cả hoạt động đã hoàn thành (đã công nhận hoặc đã hủy).",
        "All activities are completed (accepted or cancelled).",
    ),
    "review.content": ("Nội dung {number}. {title}", "Content {number}. {title}"),
    "review.by_unit": ("Theo đơn vị", "By unit"),
    "review.unit_none": ("(không chủ trì hoạt động nào)", "(leads no activity)"),
    "review.totals": ("Tổng hợp theo đơn vị", "Totals by unit"),
    "review.on_time": ("Đúng hạn", "On time"),
    "review.late": ("Trễ hạn", "Late"),
    "review.not_reported": ("Chưa báo cáo", "Not reported"),
    "review.files": ("tệp", "files"),
    "review.evidence.report": ("báo cáo", "report"),
    "review.evidence.note": ("ghi chú", "note"),
    "review.evidence.accept": ("công nhận", "accept"),
    "review.evidence.return": ("trả lại", "return"),
    "review.evidence.cancel": ("hủy", "cancel"),
    "review.extended": (
        "Trong đó {n} hoạt động được gia hạn (đúng/trễ hạn tính theo hạn đã gia hạn).",
        "{n} of them were extended (on time or late against the extended date).",
    ),
    "review.evidence.extension": ("đề nghị gia hạn", "extension request"),
    "col.assigned": ("Giao ngày", "Assigned"),
    "col.reported": ("Báo cáo ngày", "Reported"),
    "col.accepted": ("Công nhận ngày", "Accepted"),
    "col.timeliness": ("Đúng/trễ hạn", "On time/late"),
    "col.evidence": ("Minh chứng", "Evidence"),
    "col.unit": ("Đơn vị", "Unit"),
    "col.led": ("Số hoạt động chủ trì", "Activities led"),
    "col.n_accepted": ("Đã công nhận", "Accepted"),
    "col.n_on_time": ("Đúng hạn", "On time"),
    "col.n_late": ("Trễ hạn", "Late"),
    "col.n_not_reported": ("Chưa báo cáo", "Not reported"),
    "col.n_cancelled": ("Đã hủy", "Cancelled"),
    "col.on_time_rate": ("Tỷ lệ đúng hạn", "On-time rate"),
    "review.already": (
        "cuộc họp này đã được tổ chức ngày {date}; báo cáo đã có trong thư mục reports",
        "this review was already held on {date}; its report is in the reports folder",
    ),
    "review.needs_preliminary": (
        "chưa thể tổng kết: sơ kết giai đoạn 1 chưa được tổ chức; hãy tổ chức sơ kết trước",
        "the final review cannot be held before the preliminary review: hold that one first",
    ),
    "review.open_activities": (
        "chưa thể họp: còn {n} hoạt động chưa được công nhận hoặc hủy ({ids}) và giai đoạn kéo dài đến {end}",
        "not yet: {n} activities are neither accepted nor cancelled ({ids}) and the phase runs until {end}",
    ),
    "review.none": (
        "kế hoạch {plan} không có cuộc họp sơ kết/tổng kết cho giai đoạn {phase}",
        "plan {plan} has no review for phase {phase}",
    ),
    "review.held": (
        "Đã tổ chức {title} ngày {date}. Báo cáo: {docx}, {pdf} (và bản Markdown {md})",
        "Held {title} on {date}. Report: {docx}, {pdf} (and the Markdown {md})",
    ),
    "review.activity_done": (
        "Đã tổ chức {title} ngày {date}; báo cáo: {file}",
        "{title} held on {date}; report: {file}",
    ),
    "headline.review": ("BÁO CÁO {title}", "REPORT: {title}"),
    "expect.review": ("xem báo cáo đính kèm ({files}); {summary}", "see the attached report ({files}); {summary}"),
    "review.summary_line": (
        "{accepted}/{total} hoạt động đã được công nhận, {open} chưa hoàn thành",
        "{accepted}/{total} activities accepted, {open} not completed",
    ),
    # periodic reports
    "report.title": ("Báo cáo định kỳ {period}", "Periodic report for {period}"),
    "report.unknown_period": (
        "không có kỳ báo cáo '{period}' trong kế hoạch; các kỳ: {known}",
        "no reporting period '{period}' in the plan; periods: {known}",
    ),
    "report.not_reporter": (
        "đơn vị {unit} không có nghĩa vụ báo cáo định kỳ trong kế hoạch {plan}",
        "unit {unit} owes no periodic report under plan {plan}",
    ),
    "report.recorded": (
        "Đã ghi nhận báo cáo kỳ {period} của {unit} ({on_time})",
        "Recorded {unit}'s report for {period} ({on_time})",
    ),
    "headline.report_reminder": (
        "NHẮC BÁO CÁO ĐỊNH KỲ: còn {offset} ngày",
        "PERIODIC REPORT DUE: {offset} day(s) left",
    ),
    "headline.report_missing": ("CHƯA NHẬN ĐỦ BÁO CÁO ĐỊNH KỲ", "PERIODIC REPORTS MISSING"),
    "headline.report_submitted": ("ĐÃ NHẬN BÁO CÁO ĐỊNH KỲ", "PERIODIC REPORT RECEIVED"),
    "expect.report_reminder": (
        "gửi báo cáo {phase} về {to} trước ngày {end}, trên cổng thông tin (mục Báo cáo định kỳ)",
        "send the report for {phase} to {to} before {end}, on the portal (Periodic reports)",
    ),
    "expect.report_missing": (
        "đến ngày {end} chưa nhận được báo cáo {phase} của: {missing}; đề nghị đôn đốc",
        "by {end} the reports for {phase} of these units are missing: {missing}; please follow up",
    ),
    "expect.report_submitted": (
        "{unit} đã gửi báo cáo {phase} ({on_time}): {file}",
        "{unit} sent its report for {phase} ({on_time}): {file}",
    ),
    "role.reporter": ("đơn vị báo cáo", "reporting unit"),
    "digest.item_other": ("{headline} — {phase}", "{headline} — {phase}"),
    # who may act
    "auth.bad_role": (
        "vai trò '{role}' không có; hãy dùng một trong: {roles}",
        "no role '{role}'; use one of: {roles}",
    ),
    "auth.unit_needed": (
        "cần mã một đơn vị có trong danh mục (đã cho: {unit})",
        "a unit code from the directory is needed (given: {unit})",
    ),
    "auth.unknown_id": ("không có mã truy cập số {id}", "no token with id {id}"),
    "auth.missing": (
        "cần mã truy cập: đặt CCHC_TOKEN hoặc nhập khi được hỏi (cấp bằng 'cchc token issue')",
        "a token is needed: set CCHC_TOKEN or type it when asked (issued by 'cchc token issue')",
    ),
    "auth.unknown": ("mã truy cập không đúng", "unknown token"),
    "auth.revoked": ("mã truy cập đã bị thu hồi; hãy xin cấp mã mới", "this token was revoked; ask for a new one"),
    "auth.forged": ("đường dẫn đăng nhập không hợp lệ", "invalid sign-in link"),
    "auth.expired": (
        "đường dẫn đăng nhập đã hết hạn; hãy dùng đường dẫn trong thông báo mới nhất hoặc mã truy cập",
        "this sign-in link has expired; use the link of a newer message or your token",
    ),
    # CLI
    "check.ok": (
        "{path}: hợp lệ ({activities} hoạt động, {warnings} cảnh báo)",
        "{path}: valid ({activities} activities, {warnings} warnings)",
    ),
    "check.failed": ("{path}: {errors} lỗi; không có gì được ghi", "{path}: {errors} errors; nothing was written"),
    "load.created": ("Đã nạp kế hoạch {code} ({activities} hoạt động)", "Loaded plan {code} ({activities} activities)"),
    "load.unchanged": (
        "Kế hoạch {code} không thay đổi; không có gì được ghi",
        "Plan {code} unchanged; nothing written",
    ),
    "load.amended": (
        "Kế hoạch {code} đã được sửa đổi: {changes} thay đổi được ghi vào lịch sử",
        "Plan {code} amended: {changes} changes recorded in history",
    ),
    "plan.unknown": (
        "không có kế hoạch '{code}' trong cơ sở dữ liệu; hãy chạy 'cchc plan load' trước (có: {known})",
        "no plan '{code}' in the database; run 'cchc plan load' first (known: {known})",
    ),
    "org.unknown": (
        "không có tổ chức '{code}'; các tổ chức đã biết: {known}",
        "no organisation '{code}'; the known ones: {known}",
    ),
    "org.heading": ("Tổ chức {code}: {name}", "Organisation {code}: {name}"),
    "col.organisation": ("Tổ chức", "Organisation"),
    "col.plan": ("Kế hoạch", "Plan"),
    "col.number": ("Số văn bản", "Number"),
    "col.signed": ("Ngày ký", "Signed"),
    "col.title": ("Tên kế hoạch", "Title"),
    "plan.none_loaded": ("Chưa nạp kế hoạch nào", "No plan is loaded"),
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
    "col.due": ("Hạn", "Due"),
    "col.events": ("Chuyển trạng thái", "Transitions"),
    "col.queued": ("Thông báo mới", "New notices"),
    "phase.summary": ("{phase} — tình hình ngày {date}", "{phase} — as of {date}"),
    "phase.delivered": (
        "Đã gửi {sent} thông báo tới {units} đơn vị; còn chờ gửi: {pending}",
        "Delivered {sent} notices to {units} units; still pending: {pending}",
    ),
    "phase.unrouted": (
        "chưa có kênh thông báo cho: {units} (xem CCHC_NOTIFY_CONFIG)",
        "no notification route for: {units} (see CCHC_NOTIFY_CONFIG)",
    ),
    "phase.run_id": ("Lần chạy Prefect: {id}", "Prefect flow run: {id}"),
    "cli.bad_date": (
        "ngày '{value}' không đọc được ({detail}); hãy viết YYYY-MM-DD hoặc DD/MM/YYYY",
        "unreadable date '{value}' ({detail}); write YYYY-MM-DD or DD/MM/YYYY",
    ),
    "col.role": ("Vai trò", "Role"),
    "col.days_left": ("Còn (ngày)", "Days left"),
    "list.title": ("Hoạt động của {plan} — ngày {date}", "Activities of {plan} — as of {date}"),
    "list.overdue": ("quá hạn {days} ngày", "{days} days overdue"),
    "cli.not_utf8_arg": (
        "đối số thứ {n} ({shown}) không phải văn bản UTF-8; hãy gõ lại bằng bảng mã UTF-8 (chưa có gì được ghi)",
        "argument {n} ({shown}) is not UTF-8 text; type it again in UTF-8 (nothing was recorded)",
    ),
    "cli.not_utf8_env": (
        "biến môi trường {name} không phải văn bản UTF-8; hãy đặt lại bằng bảng mã UTF-8 (chưa có gì được ghi)",
        "the environment variable {name} is not UTF-8 text; set it again in UTF-8 (nothing was recorded)",
    ),
    "settings.invalid": (
        "biến môi trường {name}={value} không dùng được: cần {expected}. Hãy sửa giá trị, hoặc bỏ biến này để dùng "
        "mặc định ({default}); chưa có gì được ghi",
        "the environment variable {name}={value} cannot be used: it needs {expected}. Fix the value, or unset it "
        "for the default ({default}); nothing was recorded",
    ),
    "settings.expect.lang": ("vi (tiếng Việt) hoặc en (tiếng Anh)", "vi (Vietnamese) or en (English)"),
    "settings.expect.notify_timeout": ("một số giây lớn hơn 0, ví dụ 10", "a number of seconds above 0, e.g. 10"),
    "settings.expect.notify_retry_delays": (
        "các số giây không âm, cách nhau bằng dấu phẩy, ví dụ 2,10 (để trống: không gửi lại)",
        "numbers of seconds, none negative, separated by commas, e.g. 2,10 (empty: no retry)",
    ),
    "settings.expect.notify_digests": (
        "run (mỗi lần chạy gửi ngay) hoặc morning (mỗi đơn vị một thư nhắc việc buổi sáng)",
        "run (each run sends at once) or morning (one morning digest per unit)",
    ),
    "settings.expect.quiet_hours": (
        "giờ bắt đầu-giờ kết thúc dạng HH:MM-HH:MM (giờ Việt Nam), ví dụ 17:30-07:30, hoặc off",
        "from-to as HH:MM-HH:MM (Vietnam time), e.g. 17:30-07:30, or off",
    ),
    "settings.expect.days_off": ("yes hoặc no", "yes or no"),
    "settings.expect.notify_workers": (
        "một số nguyên từ 1 trở lên, ví dụ 128",
        "a whole number of 1 or more, e.g. 128",
    ),
    "settings.expect.run_timeout": ("một số giây lớn hơn 0, ví dụ 600", "a number of seconds above 0, e.g. 600"),
    "settings.expect.portal_as_of": (
        "một ngày dạng YYYY-MM-DD, ví dụ 2015-12-31",
        "a date written YYYY-MM-DD, e.g. 2015-12-31",
    ),
    "cli.bad_port": (
        "cổng {port} không dùng được; hãy chọn một số từ 1 đến 65535 (ví dụ --port 8080)",
        "port {port} cannot be used; choose a number from 1 to 65535 (e.g. --port 8080)",
    ),
    "cli.bad_workers": (
        "số tiến trình {workers} không dùng được; hãy chọn từ 1 đến 64",
        "{workers} workers cannot be used; choose from 1 to 64",
    ),
    "cli.bad_state": (
        "trạng thái '{state}' không có; hãy dùng một trong: {known}",
        "no state '{state}'; use one of: {known}",
    ),
    "col.period": ("Kỳ báo cáo", "Period"),
    "col.submitted": ("Đã nộp", "Submitted"),
    "col.missing": ("Còn thiếu", "Missing"),
    "report.run": (
        "Báo cáo định kỳ ngày {date}: {queued} thông báo mới",
        "Periodic reports as of {date}: {queued} new notices",
    ),
    "report.missing": ("Kỳ {period} còn thiếu: {units}", "Missing for {period}: {units}"),
    "demo.years": ("Từng năm: các kỳ và phần việc của từng đơn vị", "Year by year: the periods' and units' items"),
    "demo.year": ("Năm", "Year"),
    "demo.on_time": ("Đúng hạn", "On time"),
    "demo.missed": ("Bỏ lỡ", "Missed"),
    "demo.periodic": ("Báo cáo định kỳ (⚠: nộp muộn)", "Periodic reports (⚠: late)"),
    "demo.progress": ("Chạy thử kế hoạch, ngày {date}", "Replaying the plan, {date}"),
    "demo.title": ("Kế hoạch {plan}: kết thúc chạy thử", "Plan {plan}: where the replay ended"),
    "demo.phase": ("Giai đoạn", "Phase"),
    "demo.review": ("Sơ kết / tổng kết", "Review"),
    "demo.held": ("đã tổ chức {date}", "held {date}"),
    "demo.counts": (
        "{transitions} bước đã ghi vào lịch sử; {sent} thông báo đã gửi, {pending} còn chờ; {reports} báo cáo định kỳ đã nộp",
        "{transitions} steps recorded; {sent} notifications sent, {pending} pending; {reports} periodic reports submitted",
    ),
    "demo.unknown_plan": (
        "không có bản chạy thử cho kế hoạch '{plan}'; các kế hoạch có: {known}",
        "no replay for plan '{plan}'; replays: {known}",
    ),
    "demo.illustrative": (
        "Thành viên nhóm do bản chạy thử thêm để minh họa (văn bản không liệt kê): {members}",
        "Group members added by the replay as illustrations (the document lists none): {members}",
    ),
    "demo.report": ("Báo cáo: {path}", "Report: {path}"),
    "demo.portal": (
        "Xem bản chạy thử trên cổng thông tin: {command}",
        "To look at the replay in the portal: {command}",
    ),
    "demo.portal_coordinator": (
        "Đầu mối ({unit}) đăng nhập bằng mã truy cập: {token} (cũng dùng làm CCHC_TOKEN để "
        "cấp mã mới bằng 'cchc token issue')",
        "The coordinator ({unit}) signs in with the token: {token} (also the CCHC_TOKEN with "
        "which 'cchc token issue' issues new ones)",
    ),
    "demo.portal_unit": (
        "Đơn vị {unit} mở đường dẫn riêng (hết hạn sau 14 ngày): {link}",
        "Unit {unit} opens its own link (expires in 14 days): {link}",
    ),
    "demo.outbox": ("Hộp thư đi (outbox): {path} ({n} thư)", "Outbox: {path} ({n} messages)"),
    # web portal
    "digest.portal": (
        "Mở cổng thông tin để xem và báo cáo (đường dẫn riêng của đơn vị, có hạn 14 ngày): {url}",
        "Open the portal to see and report it (your unit's own link, valid for 14 days): {url}",
    ),
    "web.title": ("Cổng theo dõi kế hoạch CCHC", "CCHC plan portal"),
    "web.footer": (
        "cchc-flow · số liệu tính đến ngày {date} (giờ Việt Nam)",
        "cchc-flow · figures as of {date} (Vietnam time)",
    ),
    "web.nav.inbox": ("Việc của đơn vị", "My unit's work"),
    "web.nav.board": ("Bảng theo dõi", "Board"),
    "web.nav.timeline": ("Tiến độ", "Timeline"),
    "web.nav.history": ("Lịch sử", "History"),
    "web.nav.audit": ("Kiểm tra chuỗi", "Chain check"),
    "web.nav.reviews": ("Sơ kết, tổng kết", "Reviews"),
    "web.logout": ("Đăng xuất", "Sign out"),
    "web.role.unit": ("Cán bộ đơn vị", "Unit officer"),
    "web.role.coordinator": ("Đầu mối điều phối", "Coordinator"),
    "web.role.auditor": ("Kiểm toán (chỉ xem)", "Auditor (read only)"),
    "web.sign_in_needed": (
        "cần đăng nhập: hãy dùng đường dẫn trong thông báo hoặc mã truy cập",
        "please sign in: use the link in a message or your token",
    ),
    "web.csrf": (
        "biểu mẫu đã hết hạn hoặc không hợp lệ (mã chống giả mạo CSRF không khớp); hãy tải lại trang rồi gửi lại",
        "this form is stale or invalid (its CSRF token does not match); reload the page and send it again",
    ),
    "web.role_refused": (
        "vai trò {role} không được dùng trang này (chỉ: {roles})",
        "the {role} role may not use this page (only: {roles})",
    ),
    "web.not_coordinator": (
        "chỉ đầu mối của kế hoạch {plan} ({unit}) được dùng trang này",
        "only the coordinator of plan {plan} ({unit}) may use this page",
    ),
    "web.not_found": ("không tìm thấy", "not found"),
    "web.body_too_big": (
        "Dữ liệu gửi lên quá lớn; hãy gửi tệp nhỏ hơn hoặc ít tệp hơn.",
        "The request is too large; send smaller or fewer files.",
    ),
    "web.upload_too_big": (
        "tệp {name} lớn hơn giới hạn {limit}; hãy nén hoặc chia nhỏ",
        "{name} is larger than the {limit} limit; compress or split it",
    ),
    "web.upload_type": (
        "không nhận loại tệp của {name}; chỉ nhận: {allowed}",
        "{name}: this type of file is not accepted; only: {allowed}",
    ),
    "web.upload_content": (
        "nội dung tệp {name} không phải là tệp {kind} thật; hãy kiểm tra lại tệp",
        "{name} does not contain what a {kind} file should; check the file",
    ),
    "web.upload_count": ("chỉ gửi tối đa {n} tệp mỗi lần", "send at most {n} files at a time"),
    "web.upload.rules": ("Nhận các tệp: {allowed}.", "Accepted files: {allowed}."),
    "web.upload.rules_size": (
        "Nhận các tệp: {allowed}; mỗi tệp tối đa {limit}.",
        "Accepted files: {allowed}; at most {limit} each.",
    ),
    "web.file_needed": ("hãy chọn một tệp báo cáo", "choose one report file"),
    "web.reported": (
        "Đã ghi báo cáo hoàn thành hoạt động {id} → {state}; đầu mối đã được thông báo",
        "Recorded: activity {id} reported done → {state}; the coordinator was told",
    ),
    "web.noted": (
        "Đã ghi chú vào hoạt động {id}; đơn vị chủ trì đã được thông báo",
        "Note added to activity {id}; the lead units were told",
    ),
    "web.today_line": ("hôm nay {date}", "today {date}"),
    "web.days_left": ("còn {days} ngày", "{days} days left"),
    "web.login.title": ("Đăng nhập", "Sign in"),
    "web.login.link_hint": (
        "Đơn vị mở đường dẫn riêng trong thông báo nhận được để vào thẳng trang của mình. "
        "Hoặc nhập mã truy cập được cấp:",
        "Units open the personal link in the messages they receive to come straight in. "
        "Or enter the token you were issued:",
    ),
    "web.login.token": ("Mã truy cập", "Token"),
    "web.login.submit": ("Đăng nhập", "Sign in"),
    "web.login.roles": (
        "Cán bộ đơn vị: việc của đơn vị mình. Đầu mối: bảng theo dõi, công nhận/trả lại. Kiểm toán: chỉ xem lịch sử.",
        "Unit officers: their own unit's work. Coordinator: the board, accept/return. Auditors: read the history.",
    ),
    "web.switch.title": ("Đổi người đăng nhập?", "Switch who is signed in?"),
    "web.switch.text": (
        "Trình duyệt này đang đăng nhập với tư cách {current}. Đường dẫn vừa mở là đường dẫn đăng "
        "nhập của cán bộ đơn vị {unit}. Nếu tiếp tục, phiên hiện tại sẽ kết thúc.",
        "This browser is signed in as {current}. The link just opened signs in an officer of {unit}. "
        "If you go on, the current session ends.",
    ),
    "web.switch.go": ("Đăng nhập cho đơn vị {unit}", "Sign in for {unit}"),
    "web.switch.stay": ("Giữ phiên hiện tại", "Keep the current session"),
    "web.nav.sessions": ("Phiên đăng nhập", "Sessions"),
    "web.sessions.title": ("Phiên đăng nhập của cán bộ đơn vị", "Unit officers' sessions"),
    "web.sessions.lead": (
        "Các phiên đang mở. Một phiên kết thúc khi cán bộ đăng xuất, khi đầu mối kết thúc nó (ví dụ "
        "đường dẫn đăng nhập đã bị chuyển tiếp nhầm), hoặc 8 giờ sau khi đăng nhập.",
        "Sessions still open. A session ends when its officer signs out, when the coordinator ends "
        "it (e.g. a sign-in link forwarded by mistake), or 8 hours after signing in.",
    ),
    "web.sessions.none": ("Không có phiên nào đang mở.", "No session is open."),
    "web.sessions.number": ("Số", "No."),
    "web.sessions.via": ("Đăng nhập bằng", "Signed in with"),
    "web.sessions.via.link": ("đường dẫn trong thông báo", "the link in a message"),
    "web.sessions.via.token": ("mã truy cập", "a token"),
    "web.sessions.started": ("Bắt đầu", "Started"),
    "web.sessions.expires": ("Hết hạn", "Ends at"),
    "web.sessions.end": ("Kết thúc phiên", "End the session"),
    "web.sessions.ended": ("Đã kết thúc phiên số {id} của {unit}", "Session {id} of {unit} ended"),
    "web.sessions.unknown": ("không có phiên đang mở số {id} của cán bộ đơn vị", "no open unit session {id}"),
    "web.error.title": ("Không thực hiện được", "That did not work"),
    "web.error.home": ("Về trang chính", "Back to the start"),
    "web.inbox.title": ("Việc của {unit}", "Work of {unit}"),
    "web.inbox.lead": (
        "Kế hoạch {plan} · hoạt động đơn vị chủ trì hoặc phối hợp, theo hạn; tính đến ngày {date}",
        "Plan {plan} · activities your unit leads or partners, by due date; as of {date}",
    ),
    "web.inbox.activities": ("Hoạt động", "Activities"),
    "web.inbox.none": (
        "Đơn vị không chủ trì hay phối hợp hoạt động nào của kế hoạch này.",
        "Your unit neither leads nor partners any activity of this plan.",
    ),
    "web.inbox.reports": ("Báo cáo định kỳ", "Periodic reports"),
    "web.inbox.no_reports": (
        "Đơn vị không có nghĩa vụ báo cáo định kỳ trong kế hoạch này.",
        "Your unit owes no periodic report under this plan.",
    ),
    "web.col.days": ("Còn lại", "Time left"),
    "web.col.to": ("Gửi về", "To"),
    "web.col.send": ("Gửi báo cáo", "Send a report"),
    "web.col.overdue": ("Quá hạn", "Overdue"),
    "web.col.overdue_full": ("Quá hạn mà chưa báo cáo", "Past the due date, never reported"),
    "web.col.led": ("Chủ trì", "Led"),
    "web.report.file": ("Tệp báo cáo", "Report file"),
    "web.report.submit": ("Gửi", "Send"),
    "web.activity.text": ("Nội dung theo kế hoạch", "The plan's text"),
    "web.activity.no_lead": (
        "kế hoạch không ghi; đầu mối {unit} báo cáo thay",
        "none in the plan; the coordinator {unit} reports for it",
    ),
    "web.activity.report": ("Báo cáo hoàn thành", "Report it done"),
    "web.activity.evidence": (
        "Minh chứng (đã làm gì, khi nào, ở đâu, kết quả)",
        "Evidence (what was done, when, where, the result)",
    ),
    "web.activity.files": ("Tệp minh chứng", "Evidence files"),
    "web.activity.report_submit": ("Gửi báo cáo hoàn thành", "Send the report"),
    "web.activity.note": ("Ghi chú của đơn vị", "Add a note"),
    "web.activity.note_text": ("Nội dung ghi chú", "Note"),
    "web.activity.note_submit": ("Gửi ghi chú", "Send the note"),
    "web.activity.decide": ("Xem xét báo cáo", "Review the report"),
    "web.activity.accept_note": ("nhận xét (không bắt buộc)", "comment (optional)"),
    "web.activity.history": ("Các bước đã ghi", "Recorded steps"),
    "web.activity.needs_token": (
        "Báo cáo này đang chờ đầu mối xem xét: để công nhận hoặc trả lại, hãy đăng nhập bằng mã truy cập của đầu mối.",
        "This report waits for the coordinator: to accept or return it, sign in with the coordinator's token.",
    ),
    "web.accept": ("Công nhận", "Accept"),
    "web.return": ("Trả lại", "Return"),
    "web.return_note": ("lý do trả lại (bắt buộc)", "why it is returned (required)"),
    "web.cancel": ("Hủy hoạt động", "Cancel the activity"),
    "web.cancel_reason": ("lý do hủy (bắt buộc)", "why it is cancelled (required)"),
    "web.board.title": ("Bảng theo dõi kế hoạch", "Plan board"),
    "web.board.as_of": ("tính đến ngày {date}", "as of {date}"),
    "web.board.progress": ("Tiến độ theo giai đoạn và nội dung", "Progress by phase and content item"),
    "web.board.units": ("Tỷ lệ báo cáo đúng hạn theo đơn vị chủ trì", "On-time reporting by lead unit"),
    "web.board.queue": ("Báo cáo chờ công nhận", "Reports waiting for acceptance"),
    "web.board.queue_empty": ("Không có báo cáo nào đang chờ.", "No report is waiting."),
    "web.board.report": ("Báo cáo", "Report"),
    "web.board.runs": ("Chạy ngay", "Run now"),
    "web.board.no_runs": ("Chưa chạy lần nào từ cổng này.", "Nothing was run from this portal yet."),
    "web.run_phase": ("Chạy giai đoạn", "Run the phase"),
    "web.run_review": ("Tổ chức ngay", "Hold it now"),
    "web.run.what": ("Lần chạy", "Run"),
    "web.run.started": ("Bắt đầu", "Started"),
    "web.run.kind.phase": ("Giai đoạn {phase}", "Phase {phase}"),
    "web.run.kind.review": ("Sơ kết/tổng kết giai đoạn {phase}", "Review of phase {phase}"),
    "web.run.status.running": ("đang chạy", "running"),
    "web.run.status.done": ("xong", "done"),
    "web.run.status.failed": ("lỗi", "failed"),
    "web.run.unknown": (
        "Không có lần chạy số {id} (portal chỉ nhớ các lần chạy gần đây, từ khi khởi động)",
        "No run number {id} (the portal remembers the recent runs since it started)",
    ),
    "web.run.prefect_state": ("Trạng thái trong Prefect", "State in Prefect"),
    "web.run.open_prefect": ("Mở lần chạy trong Prefect UI", "Open the run in the Prefect UI"),
    "web.run.live": (
        "Trang tự cập nhật mỗi {seconds} giây cho đến khi lần chạy kết thúc.",
        "This page updates itself every {seconds} seconds until the run ends.",
    ),
    "web.run.back": ("Về bảng điều hành", "Back to the board"),
    "web.run_started": (
        "Đã bắt đầu: {title}; trang này theo dõi lần chạy đến khi kết thúc",
        "Started: {title}; this page follows the run until it ends",
    ),
    "web.run_done": ("Đã chạy xong {title}: {summary}", "{title} ran: {summary}"),
    "web.run_failed": ("{title} không chạy được: {error}", "{title} failed: {error}"),
    "web.run_busy": (
        "{title} đang chạy; hãy đợi lần chạy này kết thúc",
        "{title} is already running; wait for it to end",
    ),
    "web.bad_phase": ("giai đoạn '{phase}' không hợp lệ", "no phase '{phase}'"),
    "web.timeline.title": ("Tiến độ các hoạt động", "Activity timeline"),
    "web.timeline.lead": (
        "thời gian thực hiện của từng hoạt động, màu theo trạng thái; đường đỏ: ngày {date}",
        "each activity's window, coloured by state; the red line: {date}",
    ),
    "web.filter.activity": ("Hoạt động", "Activity"),
    "web.filter.unit": ("Đơn vị", "Unit"),
    "web.filter.actor": ("Người thực hiện", "Actor"),
    "web.filter.state": ("Trạng thái sau bước", "State after"),
    "web.filter.since": ("Từ ngày", "Since"),
    "web.filter.until": ("Đến ngày", "Until"),
    "web.filter.apply": ("Lọc", "Filter"),
    "web.filter.clear": ("Bỏ lọc", "Clear"),
    "web.export": ("Xuất", "Export"),
    "web.history.more": (
        "Chỉ hiện {n} dòng đầu; hãy lọc thêm hoặc xuất tệp để xem tất cả",
        "Only the first {n} rows are shown; filter further or export to see them all",
    ),
    "web.audit.title": ("Kiểm tra tính toàn vẹn của lịch sử", "History integrity"),
    "web.audit.chain": ("Chuỗi", "Chain"),
    "web.audit.rows": ("Số dòng", "Rows"),
    "web.audit.head": ("Mã băm cuối", "Head hash"),
    "web.audit.how": (
        "Mỗi dòng lịch sử được băm nối tiếp dòng trước; sửa, xóa hay chèn dòng nào đều làm đứt chuỗi. "
        "Kiểm toán viên có thể chạy lại phép kiểm tra này một cách độc lập trên bản sao cơ sở dữ liệu.",
        "Each history row is hashed onto the one before; altering, removing or inserting a row breaks "
        "the chain. Auditors can run the same check on their own, on a copy of the database.",
    ),
    "web.reviews.title": ("Báo cáo sơ kết, tổng kết", "Review reports"),
    "web.reviews.files": ("Tệp báo cáo", "Report files"),
    "web.reviews.file_md": ("Markdown", "Markdown"),
    "web.reviews.file_docx": ("Word (.docx)", "Word (.docx)"),
    "web.reviews.file_pdf": ("PDF", "PDF"),
    "sign.no_pdf": (
        "không có tệp PDF {path} để ký; hãy tổ chức sơ kết/tổng kết trước ('cchc review run')",
        "there is no PDF {path} to sign; hold the review first ('cchc review run')",
    ),
    "sign.bad_certificate": (
        "không mở được chứng thư số {path} ({detail}): hãy kiểm tra tệp .p12/.pfx và mật khẩu (CCHC_SIGN_PASSPHRASE)",
        "cannot open the certificate {path} ({detail}): check the "
        ".p12/.pfx file and its passphrase (CCHC_SIGN_PASSPHRASE)",
    ),
    "sign.not_held": (
        "kế hoạch {plan} chưa tổ chức sơ kết/tổng kết giai đoạn {phase}; chưa có báo cáo để ký",
        "plan {plan} has not held the review of phase {phase}; there is no report to sign",
    ),
    "sign.prompt": ("Mật khẩu của chứng thư số", "Certificate passphrase"),
    "sign.reason": ("Ký ban hành báo cáo", "Report issued and signed"),
    "sign.done": ("Đã ký số báo cáo: {path}", "Report signed: {path}"),
    # the portal's words for people: stored codes said in words, confirmations, the 404 page
    "web.person.unit": ("Cán bộ {unit}", "Officer of {unit}"),
    "web.person.coordinator": ("Đầu mối {unit}", "Coordinator {unit}"),
    "web.person.auditor": ("Kiểm toán {unit}", "Auditor {unit}"),
    "actor.cchc-flow": ("hệ thống", "the system"),
    "actor.no-token": ("không cần mã truy cập", "no token needed"),
    "source.web": ("qua cổng thông tin", "on the portal"),
    "source.cli": ("bằng dòng lệnh", "from the command line"),
    "source.flow": ("tự động", "automatically"),
    "event.loaded": ("nạp kế hoạch", "plan loaded"),
    "event.amended": ("sửa kế hoạch", "plan amended"),
    "event.open": ("chuẩn bị sơ kết/tổng kết", "review prepared"),
    "event.hold": ("tổ chức sơ kết/tổng kết", "review held"),
    "event.resend": ("gửi lại thông báo", "notification resent"),
    "event.confirm": ("xác nhận đã gửi", "delivery confirmed"),
    "state.loaded": ("đã nạp", "loaded"),
    "state.open": ("đang chuẩn bị", "being prepared"),
    "state.held": ("đã tổ chức", "held"),
    "state.pending": ("chờ gửi", "waiting to be sent"),
    "state.sent": ("đã gửi", "sent"),
    "state.doubt": ("chưa rõ đã gửi chưa", "not known to be sent"),
    "entity.plan": ("Kế hoạch", "Plan"),
    "entity.review": ("Sơ kết/tổng kết", "Review"),
    "entity.report": ("Báo cáo định kỳ", "Periodic report"),
    "entity.notification": ("Thông báo số", "Notification"),
    "web.skip": ("Bỏ qua, tới nội dung chính", "Skip to the content"),
    "web.no_page": ("Không có trang {path} trên cổng thông tin.", "There is no page {path} on this portal."),
    "web.no_plan": (
        "Chưa có kế hoạch nào trên cổng; đầu mối cần nạp kế hoạch trước.",
        "No plan is on the portal yet; the coordinator has to load one first.",
    ),
    "web.unknown_activity": ("Kế hoạch {plan} không có hoạt động {id}.", "Plan {plan} has no activity {id}."),
    "web.returned": (
        "Đầu mối đã trả lại báo cáo ngày {date}. Lý do: {reason}",
        "The coordinator returned the report on {date}. Reason: {reason}",
    ),
    "web.returned_short": ("Trả lại: {reason}", "Returned: {reason}"),
    "web.title_more": ("xem đầy đủ", "show in full"),
    "web.form_kept": (
        "Chưa ghi được; nội dung đã nhập vẫn còn bên dưới, hãy sửa rồi gửi lại.",
        "Nothing was recorded; what you typed is still below: correct it and send again.",
    ),
    "web.field_needed": ("Chưa ghi: {field}", "Missing: {field}"),
    "web.confirm.title": ("Xác nhận trước khi thực hiện", "Confirm before it is done"),
    "web.confirm.final": (
        "Không thể hoàn tác: việc này được ghi vào lịch sử.",
        "This cannot be undone: it is recorded in the history.",
    ),
    "web.confirm.back": ("Quay lại, không làm gì", "Go back, do nothing"),
    "web.confirm.review": ("Tổ chức {title} ngay, ngày {date}?", "Hold {title} now, on {date}?"),
    "web.confirm.review_open": (
        "{open} trong {total} hoạt động của giai đoạn chưa hoàn thành (chưa được công nhận hay hủy): {ids}. "
        "Báo cáo sẽ ghi các hoạt động này là chưa hoàn thành.",
        "{open} of the phase's {total} activities are unfinished (neither accepted nor cancelled): "
        "{ids}. The report will show them as unfinished.",
    ),
    "web.confirm.review_done": (
        "Cả {total} hoạt động của giai đoạn đã hoàn thành.",
        "All {total} activities of the phase are finished.",
    ),
    "web.confirm.review_told": (
        "Báo cáo (Word, PDF) được lập và lưu; gửi tới: {to}.",
        "The report (Word, PDF) is written and kept; it is sent to: {to}.",
    ),
    "web.confirm.review_go": ("Tổ chức ngay", "Hold it now"),
    "web.confirm.cancel": ("Hủy hoạt động {id}?", "Cancel activity {id}?"),
    "web.confirm.cancel_state": (
        "Hoạt động đang ở trạng thái “{state}”; sau khi hủy sẽ không được báo cáo hay công nhận nữa.",
        "The activity is “{state}”; once cancelled it can no longer be reported or accepted.",
    ),
    "web.confirm.reason": ("Lý do: {reason}", "Reason: {reason}"),
    "web.confirm.told": ("Sẽ thông báo tới: {to}.", "These will be told: {to}."),
    "web.confirm.nobody": ("Không đơn vị nào được thông báo.", "No unit will be told."),
    "web.confirm.cancel_go": ("Xác nhận hủy hoạt động", "Cancel the activity"),
    "web.run.said": ("{text}", "{text}"),
    "web.run.message.review": ("Đã tổ chức {title} ngày {date}", "{title} held on {date}"),
    # reliability and access
    "event.note": ("ghi chú", "note"),
    "event.submit": ("nộp báo cáo định kỳ", "submit a periodic report"),
    "event.refused": ("bị từ chối", "refused"),
    "auth.prompt": ("Mã truy cập (CCHC_TOKEN)", "Access token (CCHC_TOKEN)"),
    "auth.auditor": (
        "người kiểm tra (auditor) chỉ được xem, không được {what}",
        "an auditor reads only and may not {what}",
    ),
    "auth.not_for_unit": (
        "{who} không được {what} thay cho đơn vị {unit}: mỗi đơn vị chỉ hành động cho chính mình "
        "({own}); hãy dùng mã truy cập của {unit}, hoặc sửa --unit/--by",
        "{who} may not {what} for unit {unit}: a unit acts only for itself ({own}); "
        "use {unit}'s own token, or fix --unit/--by",
    ),
    "auth.not_focal": (
        "mã vai trò coordinator chỉ cấp cho đơn vị đầu mối của một kế hoạch đã nạp (đầu mối: {focal}); "
        "{unit} không phải",
        "a coordinator token is only for the focal unit of a loaded plan (focal units: {focal}); {unit} is not one",
    ),
    "auth.first_coordinator": (
        "chưa có mã truy cập của người điều phối: mã đầu tiên phải là "
        "'cchc token issue --role coordinator --unit <đơn vị đầu mối>'",
        "there is no coordinator token yet: the first token must be "
        "'cchc token issue --role coordinator --unit <focal unit>'",
    ),
    "auth.issuer": (
        "chỉ người điều phối được cấp hoặc thu hồi mã truy cập; hãy đặt CCHC_TOKEN là mã vai trò coordinator",
        "only the coordinator issues or revokes tokens; set CCHC_TOKEN to a coordinator token",
    ),
    "backdate.what": (
        "ghi bước tính từ ngày trước (--as-of) khi {what}",
        "record a step for an earlier day (--as-of) to {what}",
    ),
    "backdate.needs_both": (
        '--as-of ghi một bước theo công văn đến muộn: cần cả --as-of NGÀY và --letter "số, ngày '
        'công văn", bằng mã truy cập của người điều phối; đơn vị tự báo cáo thì không dùng --as-of',
        "--as-of records a step from a letter that arrived late: it needs both --as-of DAY and "
        "--letter \"the letter's number and date\", with the coordinator's token; a unit reporting "
        "itself does not use --as-of",
    ),
    "backdate.unit_needed": (
        "khi ghi theo công văn đến muộn, hãy ghi đơn vị gửi công văn bằng --unit",
        "when recording from a late letter, name the unit that sent it with --unit",
    ),
    "backdate.refused": (
        "không ghi được bước tính từ ngày {day}: {reason}",
        "cannot record a step counting from {day}: {reason}",
    ),
    "backdate.future": ("ngày đó còn ở tương lai (hôm nay là {today})", "that day is in the future (today is {today})"),
    "backdate.before_signed": ("trước ngày kế hoạch được ký ({signed})", "it is before the plan was signed ({signed})"),
    "backdate.before_window": (
        "trước khi thời gian thực hiện hoạt động bắt đầu ({opens})",
        "it is before the activity's window opened ({opens})",
    ),
    "backdate.before_latest": (
        "trước bước mới nhất đã ghi của hoạt động này ({latest}); lịch sử không được viết lại từ phía sau",
        "it is before the latest step already recorded for it ({latest}); the history is not rewritten from behind",
    ),
    "backdate.mark": (
        "ghi nhận ngày {recorded}, tính từ ngày {day} (công văn: {letter})",
        "recorded on {recorded}, counts from {day} (letter: {letter})",
    ),
    "event.bootstrap": ("cấp mã người điều phối đầu tiên", "first coordinator token"),
    "event.recover": ("khôi phục mã người điều phối", "coordinator token recovered"),
    "auth.recovery_needed": (
        "cơ sở dữ liệu này đã cấp mã truy cập (việc cấp mã đầu tiên chỉ làm một lần): cần mã "
        "của người điều phối (CCHC_TOKEN). Nếu không còn mã coordinator nào dùng được, người giữ "
        "quyền chủ sở hữu cơ sở dữ liệu chạy 'cchc token recover --unit <đơn vị đầu mối> "
        "--confirm-database <tên cơ sở dữ liệu>' (được ghi vào lịch sử)",
        "this database has issued tokens before (the first token is issued once): a coordinator "
        "token is needed (CCHC_TOKEN). If no coordinator token can be used, whoever holds the "
        "database owner's access runs 'cchc token recover --unit <focal unit> "
        "--confirm-database <database name>' (recorded in the history)",
    ),
    "token.bootstrap_note": (
        "mã đầu tiên của cơ sở dữ liệu: coordinator:{unit} #{id}, cấp không cần mã",
        "the database's first token: coordinator:{unit} #{id}, issued without a token",
    ),
    "token.recover_note": (
        "khôi phục: coordinator:{unit} #{id} do chủ sở hữu cơ sở dữ liệu ({owner}) cấp, không cần mã",
        "recovery: coordinator:{unit} #{id} issued by the database owner ({owner}), without a token",
    ),
    "recover.confirm": (
        "hãy xác nhận bằng --confirm-database {name} (tên của cơ sở dữ liệu sẽ được ghi)",
        "confirm with --confirm-database {name} (the name of the database that will be written)",
    ),
    "recover.not_owner": (
        "chỉ người giữ quyền chủ sở hữu cơ sở dữ liệu được khôi phục mã người điều phối: {detail}",
        "only whoever holds the database owner's access may recover a coordinator token: {detail}",
    ),
    "recover.sqlite_owner": (
        "tệp {path} thuộc người dùng số {owner}, không phải người đang chạy lệnh (số {uid})",
        "the file {path} belongs to user {owner}, not to the user running this (user {uid})",
    ),
    "recover.pg_owner": (
        "vai trò {user} không sở hữu bảng transition (chủ: {owner})",
        "role {user} does not own the transition table (owner: {owner})",
    ),
    "history.no_token": ("không cần mã truy cập", "no token needed"),
    "history.stated": ("tên tự khai (không kiểm chứng): {name}", "name given (unverified): {name}"),
    "hcol.actor_label": ("Nhãn mã truy cập", "Token label"),
    "hcol.stated_name": ("Tên tự khai (không kiểm chứng)", "Name given (unverified)"),
    "hcol.letter_ref": ("Công văn đến muộn (ghi lùi ngày)", "Late letter (back-dated)"),
    "hcol.status": ("Tình trạng thực hiện (đến ngày của bước)", "Status (as of the step's day)"),
    "hcol.days_late": ("Số ngày trễ/quá hạn", "Days late/overdue"),
    "hcol.due": ("Hạn đang áp dụng (đến ngày của bước)", "Due date in force (on the step's day)"),
    "hcol.unit_now": ("Đơn vị nhận, nay là (sáp nhập/đổi tên)", "Recipient unit, now (merged/renamed)"),
    "hcol.planned_due": ("Hạn theo kế hoạch (khi đã gia hạn)", "Planned due date (when extended)"),
    "anchor.heading": (
        "Mốc chuỗi băm của lịch sử (để kiểm tra: cchc audit verify --anchors-from <tệp này>)",
        "Hash-chain anchors of the history (to check: cchc audit verify --anchors-from <this file>)",
    ),
    "audit.anchors_none": ("không tìm thấy mốc chuỗi băm nào trong {path}", "no hash-chain anchor found in {path}"),
    "audit.anchors_read": ("Đã đọc {n} mốc từ {files} tệp", "Read {n} anchors from {files} files"),
    "history.bad_state": (
        "trạng thái '{state}' không có; hãy dùng một trong: {known}",
        "no state '{state}'; use one of: {known}",
    ),
    "text.control": (
        "{field} chứa ký tự điều khiển {char} (ký tự thứ {pos}); chỉ được dùng chữ, số, dấu câu, "
        "xuống dòng và tab — hãy gõ lại nội dung",
        "{field} contains the control character {char} "
        "(character {pos}); only letters, digits, punctuation, newlines and tabs are accepted — type "
        "the text again",
    ),
    "refused.note": ("{who} bị từ chối {what}: {reason}", "{who} was refused {what}: {reason}"),
    "token.issued": (
        "Đã cấp mã truy cập số {id} ({role}, {unit}). Mã chỉ hiện MỘT LẦN: hãy lưu lại và trao tận tay "
        "người dùng; khi dùng, đặt CCHC_TOKEN hoặc nhập khi được hỏi:",
        "Issued token {id} ({role}, {unit}). It is shown ONCE: keep it and hand it over in person; "
        "use it through CCHC_TOKEN or type it when asked:",
    ),
    "token.revoked": ("Đã thu hồi mã truy cập số {id}", "Revoked token {id}"),
    "col.token": ("Số", "Id"),
    "col.label": ("Ghi chú", "Label"),
    "col.created": ("Cấp ngày", "Issued"),
    "col.revoked": ("Thu hồi ngày", "Revoked"),
    "delivery.in_doubt": (
        "chưa rõ đã tới đơn vị hay chưa: lần gửi trước ({holder}) đã dừng sau khi bắt đầu gửi và "
        "trước khi ghi kết quả; không gửi lại tự động để tránh gửi trùng — hãy hỏi đơn vị, rồi chạy "
        "'cchc notice resend {id}' hoặc 'cchc notice confirm {id}'",
        "not known whether it reached the unit: the earlier sender ({holder}) stopped after it "
        "began sending and before it recorded the answer; not sent again automatically, to avoid "
        "a duplicate — ask the unit, then run 'cchc notice resend {id}' or 'cchc notice confirm {id}'",
    ),
    "phase.doubt": (
        "chưa rõ đã tới hay chưa (không gửi lại tự động): {units}; xem 'cchc notice list {plan} --status doubt'",
        "not known whether these arrived (not sent again automatically): {units}; "
        "see 'cchc notice list {plan} --status doubt'",
    ),
    "routes.invalid": (
        "tệp kênh thông báo {path} (CCHC_NOTIFY_CONFIG) có lỗi: {problems}. Hãy sửa các dòng này "
        "(mẫu: config/notify.example.yaml) rồi chạy lại; chưa có gì được ghi hay gửi",
        "the notification routes file {path} (CCHC_NOTIFY_CONFIG) has errors: {problems}. Fix these "
        "lines (see config/notify.example.yaml) and run again; nothing was recorded or sent",
    ),
    "history.xlsx_cut": (
        " … [cắt bớt: một ô Excel chứa tối đa 32.767 ký tự; toàn văn ({n} ký tự) có trong bản CSV và JSON]",
        " … [cut: an Excel cell holds 32,767 characters at most; the whole text ({n} characters) is in the CSV "
        "and JSON exports]",
    ),
    "db.url_invalid": (
        "CCHC_DATABASE_URL không đọc được ({reason}). Dạng đúng: sqlite:///đường/dẫn/cchc.db hoặc "
        "postgresql+psycopg://người_dùng@máy:5432/tên_csdl; chưa có gì được ghi",
        "CCHC_DATABASE_URL cannot be read ({reason}). Expected: sqlite:///path/to/cchc.db or "
        "postgresql+psycopg://user@host:5432/dbname; nothing was recorded",
    ),
    "db.unusable": (
        "không dùng được cơ sở dữ liệu {url}: {reason}. Kiểm tra CCHC_DATABASE_URL (hoặc CCHC_HOME), "
        "máy chủ cơ sở dữ liệu và quyền truy cập, rồi chạy lại",
        "cannot use the database {url}: {reason}. Check CCHC_DATABASE_URL (or CCHC_HOME), the database "
        "server and the access rights, then run again",
    ),
    "db.upgrade_failed": (
        "không nâng cấp được cơ sở dữ liệu {url} từ phiên bản {current} lên {head}: {reason}. Cơ sở dữ liệu "
        "được giữ nguyên như trước; hãy sao lưu nó và báo cho người quản trị (bảng và phiên bản ghi trong "
        "alembic_version không khớp nhau)",
        "cannot upgrade the database {url} from version {current} to {head}: {reason}. The database is left "
        "as it was; back it up and tell its administrator (its tables do not match the version recorded in "
        "alembic_version)",
    ),
    "notice.unknown": (
        "không có thông báo số {id}; xem 'cchc notice list <mã kế hoạch>'",
        "no notification {id}; see 'cchc notice list <plan code>'",
    ),
    "notice.not_doubt": (
        "thông báo số {id} không ở trạng thái chưa rõ (đang: {status}); chỉ gửi lại hoặc xác nhận "
        "được thông báo chưa rõ",
        "notification {id} is not in doubt (it is {status}); only notifications in doubt can be resent or confirmed",
    ),
    "notice.resend": (
        "Thông báo số {id} được đưa lại vào hàng chờ và gửi ngay",
        "Notification {id} queued again and sent now",
    ),
    "notice.confirmed": (
        "Đã ghi nhận đơn vị đã nhận thông báo số {id}",
        "Recorded that the unit received notification {id}",
    ),
    "notice.confirm_error": ("xác nhận đã nhận bởi {who}", "receipt confirmed by {who}"),
    "notice.resend_preview": (
        "Thông báo số {id} ({what}) sẽ được gửi lại ngay tới {unit} qua: {routes}. Nếu đơn vị "
        "thực ra đã nhận, họ sẽ nhận lần thứ hai.",
        "Notification {id} ({what}) will be sent again now to {unit} on: {routes}. If the unit did "
        "receive it, it will get it twice.",
    ),
    "notice.resend_ask": ("Gửi lại?", "Send it again?"),
    "notice.what_resend": ("gửi lại thông báo", "resend a notification"),
    "notice.what_confirm": ("xác nhận thông báo đã tới", "confirm a notification arrived"),
    "col.notice": ("Thông báo", "Notice"),
    "col.recipient": ("Gửi tới", "To"),
    "col.status": ("Trạng thái gửi", "Delivery"),
    "col.attempts": ("Số lần", "Attempts"),
    "col.error": ("Lỗi gần nhất", "Last error"),
    "date.impossible": ("ngày không có thật", "no such date"),
    "date.us_order": (
        "có vẻ viết theo thứ tự tháng/ngày (kiểu Mỹ); theo thứ tự Việt Nam là {fixed}",
        "looks like month/day order (US style); in Vietnamese day/month order it is {fixed}",
    ),
    "date.short_year": (
        "năm viết hai chữ số, không rõ thế kỷ (năm cần đủ bốn chữ số)",
        "a two-digit year is ambiguous (write the year with four digits)",
    ),
    "date.year_first": (
        "năm đứng trước nhưng không theo ISO nên không rõ đâu là tháng, đâu là ngày",
        "year first but not ISO, so month and day are unclear",
    ),
    "date.separator": ("ngày viết với dấu '{sep}' không được đọc", "dates written with '{sep}' are not read"),
    "date.form": ("không phải một ngày", "not a date"),
    "date.ascii_digits": (
        "ngày phải viết bằng chữ số thường 0-9 (không dùng chữ số toàn độ rộng hay chữ số khác)",
        "write the date with the digits 0-9 (not full-width or other digits)",
    ),
    # runs on a Prefect server: names, deployments, launching through the work pool
    "date.too_far": (
        "ngày {day} ở quá xa trong tương lai (hôm nay {today}; tối đa {days} ngày tới): một lần chạy "
        "tới ngày đó sẽ giao việc, nhắc hạn và báo quá hạn những gì chưa tới; hãy kiểm tra lại ngày",
        "{day} is too far in the future (today {today}; at most {days} days ahead): a run as of that day "
        "would assign, remind and flag as overdue what is not due yet; check the date",
    ),
    "run.local_api": (
        "máy chủ API cục bộ của Prefect không khởi động được ({detail}); hãy thử lại, hoặc đặt PREFECT_API_URL "
        "tới một máy chủ Prefect đang chạy",
        "Prefect's local API server did not start ({detail}); try again, or set PREFECT_API_URL to a running "
        "Prefect server",
    ),
    "schedule.cron_fields": (
        "cần năm trường: phút giờ ngày tháng thứ, ví dụ '0 8 * * *' (8 giờ sáng mỗi ngày)",
        "five fields are needed: minute hour day-of-month month day-of-week, e.g. '0 8 * * *' (08:00 daily)",
    ),
    "schedule.cron_field": (
        "'{field}' không phải một trường cron từ {low} tới {high}",
        "'{field}' is not a cron field from {low} to {high}",
    ),
    "schedule.timezone": (
        "'{value}' không phải tên múi giờ IANA, ví dụ Asia/Ho_Chi_Minh",
        "'{value}' is not an IANA time zone name, e.g. Asia/Ho_Chi_Minh",
    ),
    "schedule.both": ("chỉ ghi một trong hai: time hoặc cron", "give either time or cron, not both"),
    "run.day_off": (
        "{day} là ngày nghỉ ({why}): lần chạy theo lịch kết thúc, không ghi gì",
        "{day} is a day off ({why}): the scheduled run ends without recording anything",
    ),
    "run.weekend": ("cuối tuần", "weekend"),
    "run.reports_title": ("Báo cáo định kỳ của Kế hoạch {number}", "Periodic reports of plan {number}"),
    "deploy.phase": (
        "Đối chiếu {phase} của Kế hoạch {plan} với lịch, mỗi ngày: giao việc, nhắc hạn, báo quá hạn, "
        "gửi thông báo cho các đơn vị",
        "Reconciles {phase} of plan {plan} with the calendar, daily: assigns, reminds, flags overdue "
        "activities and notifies the units",
    ),
    "deploy.review": (
        "{title} (Kế hoạch {plan}): chạy khi cần, lập báo cáo và gửi lãnh đạo",
        "{title} (plan {plan}): run on demand; files the report and sends it to the leadership",
    ),
    "deploy.digest": (
        "Thư nhắc việc buổi sáng: mỗi đơn vị một thư mỗi ngày làm việc, gồm mọi việc của đơn vị ở mọi kế hoạch",
        "Morning digests: one message per unit and working day, with all its tasks across all plans",
    ),
    "notice.digest_sent": (
        "Đã gửi thư nhắc việc cho {n} đơn vị: {units}",
        "Morning digests sent to {n} unit(s): {units}",
    ),
    "notice.digest_none": (
        "Không có thư nhắc việc nào gửi lúc này (giờ nghỉ, ngày nghỉ, đã gửi hôm nay, hoặc không có việc chờ)",
        "No morning digest to send now (quiet hours, a day off, sent already today, or nothing waiting)",
    ),
    "phase.held_for_digest": (
        "Thông báo còn chờ (trừ việc khẩn) sẽ đi trong thư nhắc việc buổi sáng của mỗi đơn vị (cchc notice digest)",
        "Pending notifications (but urgent ones) go out in each unit's morning digest (cchc notice digest)",
    ),
    "notice.digest_at": (
        "--at {at}: cần dạng YYYY-MM-DD HH:MM (giờ Việt Nam)",
        "--at {at}: expected YYYY-MM-DD HH:MM (Vietnam time)",
    ),
    "notice.digest_failed": ("{unit}: chưa gửi được tới {routes}", "{unit}: not sent to {routes}"),
    "deploy.reports": (
        "Báo cáo định kỳ của Kế hoạch {plan}, mỗi ngày: nhắc đơn vị chưa nộp, báo danh sách còn thiếu",
        "Periodic reports of plan {plan}, daily: reminds units that have not submitted, lists the missing ones",
    ),
    "deploy.no_server": (
        "chưa cấu hình máy chủ Prefect: đặt PREFECT_API_URL (ví dụ http://127.0.0.1:4200/api), "
        "hoặc dùng --yaml TỆP để ghi prefect.yaml",
        "no Prefect server configured: set PREFECT_API_URL (e.g. http://127.0.0.1:4200/api), or "
        "use --yaml FILE to write prefect.yaml",
    ),
    "deploy.server_error": (
        "không làm việc được với máy chủ Prefect {url}: {error}; hãy kiểm tra máy chủ rồi chạy lại",
        "could not work with the Prefect server {url}: {error}; check the server and run again",
    ),
    "deploy.written": ("Đã ghi {n} deployment vào work pool {pool}", "{n} deployments written to work pool {pool}"),
    "deploy.removed": (
        "Đã gỡ {n} deployment của kế hoạch không còn hoạt động: {names}",
        "{n} deployments of plans no longer active removed: {names}",
    ),
    "deploy.yaml": ("Đã ghi {n} deployment vào {path}", "{n} deployments written to {path}"),
    "launch.done": (
        "Lần chạy {id} qua work pool ({deployment}): {state}; đã ghi {steps} bước, gửi {deliveries} lần",
        "Run {id} through the work pool ({deployment}): {state}; {steps} steps recorded, {deliveries} deliveries",
    ),
    "launch.failed": (
        "Lần chạy {id} qua work pool ({deployment}) không thành công: {state}: {reason}",
        "Run {id} through the work pool ({deployment}) did not succeed: {state}: {reason}",
    ),
    "launch.waiting": (
        "Lần chạy {id} qua work pool ({deployment}) chưa xong sau {seconds} giây (trạng thái {state}); "
        "hãy kiểm tra có worker đang chạy: prefect worker start --pool TÊN",
        "Run {id} through the work pool ({deployment}) not finished after {seconds} s (state {state}); "
        "check that a worker is running: prefect worker start --pool NAME",
    ),
}


_LANG: ContextVar[str | None] = ContextVar("cchc_lang", default=None)


@contextmanager
def language(lang: str | None) -> Iterator[None]:
    """Speak ``lang`` in this context (a web request); None: the configured language (CCHC_LANG)."""
    token = _LANG.set(lang)
    try:
        yield
    finally:
        _LANG.reset(token)


def current_lang() -> str:
    """The language spoken here: the context's (language()), else CCHC_LANG."""
    return _LANG.get() or configured_lang()


def t(key: str, lang: str | None = None, **values: object) -> str:
    """The message ``key`` in ``lang``, else the context's language (language()), else CCHC_LANG, filled in."""
    vi, en = MESSAGES[key]
    text = en if (lang or current_lang()) == "en" else vi
    return text.format(**values)
