// DIR/index.html of a run: the summary first, then the failures with their diffs, the files that
// could not be used with their errors, and every scenario with its description, figures and a
// preview of its ladder (its ladder.svg, scaled and cropped, linking to ladder.html).
// Self-contained: inline style, no external resource; every text escaped; readable without
// JavaScript (a few lines of script add a filter). Nothing has a fixed width that could clip a
// long name or failure line: text wraps.
#include "reports/render/escape.hpp"
#include "reports/run_report.hpp"

#include <fmt/core.h>

#include <set>

namespace trunklab::reports {
namespace {

constexpr std::string_view kStyle = R"(
:root{--pass:#1b5e20;--fail:#b71c1c;--error:#8a4b00;--line:#d0d7de;--muted:#57606a}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;padding:1rem 1.5rem;
max-width:90rem;color:#1f2328;line-height:1.4}
h1{margin:.2rem 0 .6rem}h2{margin:1.6rem 0 .6rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
h3{margin:0 0 .3rem;overflow-wrap:anywhere}
a{color:#0a58ca}
.summary{font-size:1.15rem;margin:.2rem 0 .6rem}
.totals{display:flex;flex-wrap:wrap;gap:.6rem;list-style:none;padding:0;margin:0 0 .8rem}
.totals li{border:1px solid var(--line);border-radius:6px;padding:.4rem .8rem;background:#f6f8fa}
.totals b{font-size:1.3rem;margin-right:.3rem}
.badge{display:inline-block;border-radius:1rem;padding:0 .6rem;font-size:.85rem;font-weight:600;
white-space:nowrap;color:#fff}
.badge.passed{background:var(--pass)}.badge.failed,.badge.limit{background:var(--fail)}
.badge.error{background:var(--error)}
.pass{color:var(--pass)}.fail{color:var(--fail);font-weight:600}.error{color:var(--error);font-weight:600}
.failure{border:1px solid var(--line);border-left:6px solid var(--fail);border-radius:6px;
padding:.6rem .9rem;margin:0 0 1rem;background:#fff}
.meta,.file{color:var(--muted);font-size:.9rem;overflow-wrap:anywhere}
.desc{margin:.2rem 0;overflow-wrap:anywhere}
ol.expectations{padding-left:1.4rem;margin:.4rem 0}
ol.expectations li{margin:.3rem 0}
pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;font-size:.85rem;background:#f6f8fa;
border-radius:4px;padding:.4rem .6rem}
.del{color:var(--fail);background:#ffebe9}.mark{background:#fff3bf;font-weight:600}.ins{color:var(--pass);background:#e6ffec}
code{overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid var(--line);padding:.4rem .6rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
.name{overflow-wrap:anywhere}td.times{white-space:nowrap}
th{background:#f6f8fa}
td.figures{font-size:.9rem}
tr.failed td:first-child,tr.limit td:first-child{border-left:4px solid var(--fail)}
tr.error td:first-child{border-left:4px solid var(--error)}
td.preview{width:36%;min-width:12rem}
.preview img{display:block;width:100%;height:auto;max-height:16rem;object-fit:cover;object-position:left top;
border:1px solid var(--line);border-radius:4px;background:#fff}
.links{font-size:.85rem;margin-top:.3rem}
.links a{margin-right:.5rem}
@media (max-width:50rem){body{padding:.5rem}#scenarios table,#scenarios tbody,#scenarios tr,#scenarios td{display:block}
#scenarios thead{display:none}#scenarios tr{border:1px solid var(--line);margin:0 0 .6rem}
#scenarios td{border:0;width:auto;min-width:0}td.times{white-space:normal}}
#filter{margin:0 0 .6rem;display:flex;flex-wrap:wrap;gap:.6rem;align-items:center}
#filter[hidden]{display:none}
)";

// Filters the scenario table by text and verdict; without JavaScript the form stays hidden.
constexpr std::string_view kScript = R"(
(function(){var f=document.getElementById('filter');if(!f)return;f.hidden=false;
var q=document.getElementById('filter-text'),v=document.getElementById('filter-verdict');
function apply(){var t=q.value.toLowerCase(),w=v.value;
document.querySelectorAll('#scenarios tbody tr').forEach(function(r){
var ok=(!t||r.dataset.search.indexOf(t)>=0)&&(!w||r.dataset.verdict===w);r.hidden=!ok;});}
q.addEventListener('input',apply);v.addEventListener('change',apply);})();
)";

struct Tally {
  std::size_t passed = 0;
  std::size_t failed = 0;  // limits included
  std::size_t limit = 0;
  std::size_t error = 0;
  rt::Duration virtual_total{};
  std::chrono::microseconds wall_total{};
  std::uint64_t messages = 0;
};

Tally tally(const std::vector<ScenarioReport>& reports) {
  Tally t;
  for (const auto& r : reports) {
    if (r.error) {
      ++t.error;
      continue;
    }
    if (r.passed) {
      ++t.passed;
    } else {
      ++t.failed;
      if (!r.limit.empty()) ++t.limit;
    }
    t.virtual_total += r.virtual_duration;
    t.wall_total += r.wall_duration;
    t.messages += r.counts.messages;
  }
  return t;
}

std::string link(const std::string& href, std::string_view text) {
  return href.empty() ? std::string()
                      : fmt::format("<a href=\"{}\">{}</a>", xml_escape(href), xml_escape(text));
}

std::string verdict_badge(const ScenarioReport& r) {
  std::string text = r.error ? "ERROR (unusable file)"
                     : r.passed ? "passed"
                     : r.limit.empty() ? "FAILED"
                                       : "FAILED (limit: " + r.limit + ")";
  return fmt::format("<span class=\"badge {}\">{}</span>", verdict_name(r), xml_escape(text));
}

// Element ids from names: letters, digits, '-' and '_' kept, the rest '-'; unique in the page.
class Ids {
public:
  std::string of(const std::string& name) {
    std::string id = "scenario-";
    for (char c : name) {
      const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      id += keep ? c : '-';
    }
    std::string unique = id;
    for (int n = 2; !used_.insert(unique).second; ++n) unique = fmt::format("{}-{}", id, n);
    return unique;
  }

private:
  std::set<std::string> used_;
};

// A failure's text with the lines of a diff marked: what was expected (golden, "-") and what
// the run did (actual, "+").
std::string diff_html(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    auto body = line.substr(std::min(line.size(), line.find_first_not_of(' ')));
    // golden.cpp's "golden:"/"actual:" pair, "-"/"+" diffs, and the ">" that marks the first
    // differing line of ladder_match's side-by-side table.
    const char* cls = body.starts_with("- ") || body.starts_with("golden:") || body.starts_with("expected:") ? "del"
                      : body.starts_with("+ ") || body.starts_with("actual:") || body.starts_with("got:")  ? "ins"
                      : body.starts_with("> ")                                                            ? "mark"
                                                                                                          : nullptr;
    out += cls ? fmt::format("<span class=\"{}\">{}</span>", cls, xml_escape(line)) : xml_escape(line);
    if (end < text.size()) out += '\n';
    start = end + 1;
  }
  return out;
}

std::string ladder_links(const ScenarioReport& r) {
  std::string out;
  if (!r.ladder_dir.empty()) {
    for (std::string_view file : {"ladder.html", "ladder.txt", "ladder.mmd", "ladder.svg"}) {
      out += link(r.ladder_dir + "/" + std::string(file), file) + " ";
    }
  }
  out += link(r.pcap, "pcap");
  return out.empty() ? std::string() : "<div class=\"links\">" + out + "</div>";
}

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string figures_html(const ScenarioCounts& c) {
  std::string sip = plural(c.messages, "SIP message", "SIP messages");
  std::string extra;
  if (c.retransmissions > 0) extra += plural(c.retransmissions, "retransmission", "retransmissions");
  if (c.dropped > 0) extra += (extra.empty() ? "" : ", ") + fmt::format("{} dropped", c.dropped);
  if (!extra.empty()) sip += " (" + extra + ")";
  std::string out = sip + "<br>" + plural(c.calls, "call", "calls");
  if (c.rtp_streams > 0) {
    out += "<br>" + plural(c.rtp_streams, "RTP stream", "RTP streams") + " (" +
           plural(c.rtp_packets, "packet", "packets") + ")";
  }
  return out;
}

void append_summary(std::string& out, const std::vector<ScenarioReport>& reports, const Tally& t) {
  out += fmt::format("<p class=\"summary\">{} scenarios, {} passed, {} failed{}{}.</p>\n", reports.size(),
                     t.passed, t.failed, t.limit > 0 ? fmt::format(" ({} reached a limit)", t.limit) : "",
                     t.error > 0 ? fmt::format(", {} unusable", t.error) : std::string());
  out += "<ul class=\"totals\">";
  out += fmt::format("<li class=\"pass\"><b>{}</b>passed</li>", t.passed);
  out += fmt::format("<li class=\"{}\"><b>{}</b>failed</li>", t.failed > 0 ? "fail" : "", t.failed);
  out += fmt::format("<li class=\"{}\"><b>{}</b>unusable</li>", t.error > 0 ? "error" : "", t.error);
  out += fmt::format("<li><b>{}s</b>wall time</li>", report_seconds(t.wall_total));
  out += fmt::format("<li><b>{}s</b>virtual time</li>", report_seconds(t.virtual_total));
  out += fmt::format("<li><b>{}</b>SIP messages</li>", t.messages);
  out += "</ul>\n";
}

void append_failure(std::string& out, const ScenarioReport& r, const std::string& id) {
  out += fmt::format("<article class=\"failure\">\n<h3><a href=\"#{}\">{}</a> {}</h3>\n", id, xml_escape(r.name),
                     verdict_badge(r));
  if (!r.description.empty()) out += fmt::format("<p class=\"desc\">{}</p>\n", xml_escape(r.description));
  out += fmt::format("<p class=\"meta\">{} &middot; seed {}{}</p>\n", xml_escape(r.file), r.seed,
                     r.reproduce.empty() ? std::string()
                                         : fmt::format(" &middot; reproduce with <code>{}</code>", xml_escape(r.reproduce)));
  out += "<ol class=\"expectations\">\n";
  const std::vector<std::string> texts = r.failures.empty() ? std::vector<std::string>{r.failure_text} : r.failures;
  for (const auto& text : texts) out += fmt::format("<li><pre>{}</pre></li>\n", diff_html(text));
  out += "</ol>\n" + ladder_links(r) + "</article>\n";
}

void append_unusable(std::string& out, const std::vector<ScenarioReport>& reports, const Tally& t) {
  if (t.error == 0) return;
  out += fmt::format("<section id=\"unusable\">\n<h2>Unusable files ({})</h2>\n"
                     "<table>\n<thead><tr><th>File</th><th>JSON path</th><th>Reason</th></tr></thead>\n<tbody>\n",
                     t.error);
  for (const auto& r : reports) {
    if (!r.error) continue;
    out += fmt::format("<tr class=\"error\"><td class=\"name\">{}</td><td class=\"name\"><code>{}</code></td><td>{}</td></tr>\n", xml_escape(r.file),
                       r.json_path.empty() ? std::string("-") : xml_escape(r.json_path), xml_escape(r.reason));
  }
  out += "</tbody>\n</table>\n</section>\n";
}

void append_row(std::string& out, const ScenarioReport& r, const std::string& id) {
  const std::string search = r.name + " " + r.file + " " + r.description;
  std::string lowered;
  for (char c : search) lowered += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  // One line per row: grep-able ("name.*verdict") and compact with many scenarios.
  out += fmt::format("<tr id=\"{}\" class=\"{}\" data-verdict=\"{}\" data-search=\"{}\">", id, verdict_name(r),
                     verdict_name(r), xml_escape(lowered));
  out += fmt::format("<td><a class=\"name\" href=\"#{}\"><b>{}</b></a><div class=\"file\">{}</div>{}</td>", id, xml_escape(r.name),
                     xml_escape(r.file),
                     r.description.empty() ? std::string()
                                           : fmt::format("<div class=\"desc\">{}</div>", xml_escape(r.description)));
  out += fmt::format("<td>{}</td>", verdict_badge(r));
  if (r.error) {
    // An unusable file never ran: no figures, times, seed or ladder.
    out += fmt::format("<td colspan=\"4\"><pre>{}</pre></td></tr>\n", xml_escape(r.failure_text));
    return;
  }
  out += fmt::format("<td class=\"figures\">{}</td>", figures_html(r.counts));
  out += fmt::format("<td class=\"times\">{}s virtual<br>{}s wall<br>seed {}</td>", report_seconds(r.virtual_duration),
                     report_seconds(r.wall_duration), r.seed);
  std::string preview;
  if (!r.ladder_dir.empty()) {
    preview = fmt::format("<a href=\"{0}/ladder.html\"><img src=\"{0}/ladder.svg\" alt=\"ladder of {1}\" "
                          "loading=\"lazy\"></a>",
                          xml_escape(r.ladder_dir), xml_escape(r.name));
  }
  out += fmt::format("<td class=\"preview\">{}{}</td></tr>\n", preview, ladder_links(r));
}

void append_scenarios(std::string& out, const std::vector<ScenarioReport>& reports, const std::vector<std::string>& ids) {
  out += fmt::format(
      "<section id=\"scenarios\">\n<h2>All scenarios ({})</h2>\n"
      "<form id=\"filter\" hidden><label>Filter <input id=\"filter-text\" type=\"search\" "
      "size=\"28\" placeholder=\"name, file or description\"></label> <label>Verdict <select id=\"filter-verdict\">"
      "<option value=\"\">any</option><option value=\"passed\">passed</option><option value=\"failed\">failed"
      "</option><option value=\"limit\">limit reached</option><option value=\"error\">unusable</option>"
      "</select></label></form>\n<table>\n<thead><tr><th>Scenario</th><th>Verdict</th><th>Messages</th>"
      "<th>Duration</th><th>Ladder</th></tr></thead>\n<tbody>\n",
      reports.size());
  for (std::size_t i = 0; i < reports.size(); ++i) append_row(out, reports[i], ids[i]);
  out += "</tbody>\n</table>\n</section>\n";
}

}  // namespace

std::string index_html(const std::vector<ScenarioReport>& reports, std::string_view title) {
  const Tally t = tally(reports);
  Ids ids;
  std::vector<std::string> row_ids;
  for (const auto& r : reports) row_ids.push_back(ids.of(r.name));
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{0}</title>\n"
      "<style>{1}</style>\n</head>\n<body>\n<header>\n<h1>{0}</h1>\n",
      xml_escape(title), kStyle);
  append_summary(out, reports, t);
  out += "<nav class=\"meta\">";
  if (t.failed > 0) out += fmt::format("<a href=\"#failures\">Failures ({})</a> &middot; ", t.failed);
  if (t.error > 0) out += fmt::format("<a href=\"#unusable\">Unusable files ({})</a> &middot; ", t.error);
  out += fmt::format("<a href=\"#scenarios\">All scenarios ({})</a></nav>\n</header>\n", reports.size());
  if (t.failed > 0) {
    out += fmt::format("<section id=\"failures\">\n<h2>Failures ({})</h2>\n", t.failed);
    for (std::size_t i = 0; i < reports.size(); ++i) {
      if (!reports[i].passed && !reports[i].error) append_failure(out, reports[i], row_ids[i]);
    }
    out += "</section>\n";
  }
  append_unusable(out, reports, t);
  append_scenarios(out, reports, row_ids);
  out += fmt::format("<script>{}</script>\n</body>\n</html>\n", kScript);
  return out;
}

}  // namespace trunklab::reports
