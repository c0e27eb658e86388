#include "reports/render/html_assets.hpp"

namespace trunklab::reports::html {

const char* const kStyle = R"(html,body{height:100%;margin:0}
body{font-family:sans-serif;display:flex;flex-direction:column;color:#222}
header{padding:6px 12px;border-bottom:1px solid #ccc}
h1{font-size:16px;margin:2px 0}h2{font-size:14px;margin:12px 0 4px}p{margin:3px 0;font-size:13px}
#tools{display:flex;flex-wrap:wrap;align-items:center;gap:6px 12px;font-size:13px;margin:4px 0}
#filter{width:26em;max-width:100%;font-size:13px;padding:2px 4px}
#keys{color:#555}kbd{border:1px solid #bbb;border-radius:3px;padding:0 3px;font-size:12px}
main{flex:1;display:flex;min-height:0}
#ladder{flex:3;overflow:auto;border-right:1px solid #ccc}
#detail{flex:2;overflow:auto;padding:8px 12px;min-width:0}
#detail pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px;background:#f6f8fa;padding:8px;margin:0}
#detail-meta{color:#555;overflow-wrap:anywhere}
.msg{cursor:pointer}.msg:hover .hit{fill:#f3f6ff}.msg.selected .hit{fill:#fff1b8}
.msg.selected line,.msg.selected path{stroke-width:3}.msg.dim{opacity:.18})";

const char* const kScript = R"((function () {
  'use strict';
  var messages = JSON.parse(document.getElementById('messages').textContent);
  var rows = {};
  Array.prototype.forEach.call(document.querySelectorAll('#ladder .msg'), function (g) {
    rows[g.getAttribute('data-i')] = g;
  });
  var filter = document.getElementById('filter');
  var count = document.getElementById('filter-count');
  var visible = messages.map(function () { return true; });
  var selected = -1;
  var fields = { call: ['call_id', 'tag'], method: ['method'], party: ['from', 'to', 'src', 'dst'],
                 tag: ['tag'] };
  var anyField = ['call_id', 'tag', 'method', 'from', 'to', 'src', 'dst', 'label'];

  function has(m, names, word) {
    return names.some(function (name) { return String(m[name]).toLowerCase().indexOf(word) >= 0; });
  }
  function matches(m, words) {
    return words.every(function (word) {
      var colon = word.indexOf(':');
      var names = colon > 0 && fields[word.slice(0, colon)];
      return names ? has(m, names, word.slice(colon + 1)) : has(m, anyField, word);
    });
  }
  function applyFilter() {
    var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    messages.forEach(function (m, i) {
      visible[i] = matches(m, words);
      shown += visible[i] ? 1 : 0;
      if (rows[i]) { rows[i].classList.toggle('dim', !visible[i]); }
    });
    count.textContent = words.length ? shown + ' of ' + messages.length + ' messages match'
                                     : messages.length + ' messages';
  }
  function setText(id, value) {
    var element = document.getElementById(id);
    element.textContent = value;
    return element;
  }
  function show(i, how) {
    var m = messages[i];
    if (!m) { return; }
    setText('detail-title', m.n + ' ' + m.label + '  ' + m.from + ' \u2192 ' + m.to + '  ' + m.offset +
        (m.mark ? '  [' + m.mark + ']' : ''));
    setText('detail-meta', (m.tag ? 'call ' + m.tag + ', ' : '') + (m.call_id ? 'Call-ID ' + m.call_id : 'no Call-ID') +
        (m.cseq ? ', CSeq ' + m.cseq : ''));
    setText('detail-text', m.note ? m.label : m.src + ' \u2192 ' + m.dst + '\n\n' + m.text);
    setText('detail-sdp-summary', m.sdp);
    setText('detail-sdp', m.sdp_body);
    document.getElementById('detail-sdp-section').hidden = !m.sdp && !m.sdp_body;
    if (selected >= 0 && rows[selected]) { rows[selected].classList.remove('selected'); }
    selected = i;
    var row = rows[i];
    if (row) { row.classList.add('selected'); }
    if (how.url && location.hash !== '#' + m.n) { history.replaceState(null, '', '#' + m.n); }
    if (how.scroll && row) { row.scrollIntoView({ block: 'nearest', inline: 'nearest' }); }
  }
  function step(direction) {
    for (var i = selected + direction; i >= 0 && i < messages.length; i += direction) {
      if (visible[i]) { show(i, { url: true, scroll: true }); return; }
    }
  }
  function fromHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var row = id ? document.getElementById(id) : null;
    if (!row || !row.classList.contains('msg')) { return false; }
    show(Number(row.getAttribute('data-i')), { scroll: true });
    return true;
  }
  document.getElementById('ladder').addEventListener('click', function (event) {
    var row = event.target.closest('.msg');
    if (row) { show(Number(row.getAttribute('data-i')), { url: true }); }
  });
  document.addEventListener('keydown', function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.target === filter) {
      if (event.key === 'Enter' || event.key === 'Escape') {
        event.preventDefault();
        filter.blur();
        var first = visible.indexOf(true);
        if (event.key === 'Enter' && !visible[selected] && first >= 0) { show(first, { url: true, scroll: true }); }
      }
      return;
    }
    if (event.key === '/') {
      event.preventDefault();
      filter.focus();
      filter.select();
    } else if (event.key === 'j' || event.key === 'ArrowDown') {
      event.preventDefault();
      step(1);
    } else if (event.key === 'k' || event.key === 'ArrowUp') {
      event.preventDefault();
      step(-1);
    }
  });
  filter.addEventListener('input', applyFilter);
  window.addEventListener('hashchange', fromHash);
  applyFilter();
  if (!fromHash()) { show(0, {}); }
  document.body.setAttribute('data-ready', String(messages.length));
})();)";

}  // namespace trunklab::reports::html
