/// The site's style sheet and search script: plain CSS and a little plain JavaScript.
enum SiteAssets {
    static let css = """
        body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #222; }
        header { display: flex; gap: 1.5em; align-items: center; padding: .6em 1.2em; background: #f3f1ec; border-bottom: 1px solid #ddd; flex-wrap: wrap; }
        header .home { font-weight: bold; text-decoration: none; color: #222; }
        main { padding: 0 1.2em 2em; max-width: 1300px; }
        footer { padding: 1em 1.2em; color: #777; font-size: 13px; border-top: 1px solid #ddd; }
        .tree ul { list-style: none; padding-left: 1.3em; border-left: 1px dotted #ccc; margin: 0; }
        .tree > ul { border: 0; padding: 0; }
        .level { color: #777; font-size: 13px; }
        .local { color: #555; }
        .uncertain, .retracted, .corrected { background: #fde8c8; border-radius: 3px; padding: 0 .3em; font-size: 12px; }
        .id { color: #888; font-weight: normal; font-size: 60%; }
        table { border-collapse: collapse; margin: .5em 0 1em; }
        th, td { text-align: left; padding: .15em .8em .15em 0; border-bottom: 1px solid #eee; vertical-align: top; }
        .history .date { font-weight: bold; margin-right: .4em; }
        .history .meta, .alt { color: #777; font-size: 13px; margin: 0; }
        .note { margin: .2em 0; }
        .sources { font-size: 13px; margin: .2em 0 .8em; }
        .chart { overflow-x: auto; }
        #results ul { padding-left: 1.2em; }
        .first-level { columns: 3; padding-left: 1.2em; }
        """

    static let searchScript = """
        (function () {
          'use strict';
          function fold(text) {
            return text.normalize('NFKD').replace(/\\p{M}/gu, '').toLowerCase().replace(/[^\\p{L}\\p{N}]/gu, '');
          }
          var index = (window.CHRONICLE_INDEX || []).map(function (entry) {
            return { entry: entry, folded: entry.names.map(function (name) { return [fold(name), name]; }) };
          });
          function search(query) {
            var q = fold(query);
            if (!q) { return []; }
            var exact = [], partial = [];
            index.forEach(function (item) {
              var hit = null, whole = false;
              item.folded.forEach(function (pair) {
                if (pair[0] === q) { hit = pair[1]; whole = true; }
                else if (!whole && pair[0].indexOf(q) >= 0 && hit === null) { hit = pair[1]; }
              });
              if (hit !== null) { (whole ? exact : partial).push({ entry: item.entry, matched: hit }); }
            });
            return exact.concat(partial);
          }
          function show(query) {
            var section = document.getElementById('results');
            var list = document.getElementById('result-list');
            if (!section || !list) { return; }
            var root = document.body.dataset.root || '';
            list.textContent = '';
            var hits = search(query);
            hits.slice(0, 200).forEach(function (hit) {
              var li = document.createElement('li');
              var a = document.createElement('a');
              a.href = root + hit.entry.file;
              a.textContent = hit.entry.name;
              li.appendChild(a);
              li.appendChild(document.createTextNode(' (' + hit.entry.level + ', ' + hit.entry.id + ')' +
                (hit.matched !== hit.entry.name ? ' — matched ' + hit.matched : '')));
              list.appendChild(li);
            });
            if (hits.length === 0) {
              var none = document.createElement('li');
              none.textContent = 'No unit has a name matching “' + query + '”.';
              list.appendChild(none);
            }
            section.hidden = false;
          }
          var params = new URLSearchParams(location.search);
          var q = params.get('q');
          var box = document.getElementById('q');
          if (q !== null) { if (box) { box.value = q; } show(q); }
          window.chronicleSearch = search;
        })();
        """
}
