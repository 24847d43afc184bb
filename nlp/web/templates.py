"""Jinja2 templates of the web pages (kept in Python so that they ship with the package).

Swedish text; plain HTML and CSS, no JavaScript, nothing loaded from elsewhere. Every
form field has a label, every page a skip link, visible focus and landmarks.
"""

BASE = """<!doctype html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{{ title }}{% endblock %} · rapport</title>
<style>
:root{--fg:#1b1b1b;--muted:#555;--accent:#0b5cad;--line:#d0d4da;--bg:#fff}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0;line-height:1.5}
a{color:var(--accent)}
a:focus,button:focus,input:focus,select:focus,summary:focus{outline:3px solid #f2a900;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5em;z-index:10}
.skip:focus{left:.5em}
header{background:#0b2e4f;color:#fff;padding:.6em 1.2em}
header a{color:#fff;text-decoration:none;margin-right:1.2em;font-weight:500}
header a[aria-current=page]{text-decoration:underline;text-underline-offset:4px}
header .brand{font-weight:700;margin-right:2em}
main{max-width:1100px;margin:0 auto;padding:1em 1.2em 3em}
h1{font-size:1.6em;margin:.4em 0 .6em}
form.filters{display:flex;flex-wrap:wrap;gap:.8em;align-items:flex-end;background:#f4f6f8;padding:.8em;border-radius:6px}
form.filters label{display:flex;flex-direction:column;font-size:.9em;color:var(--muted)}
form.filters input,form.filters select{font-size:1em;padding:.35em .5em;border:1px solid #9aa3ad;border-radius:4px;color:var(--fg)}
form.filters input[type=search]{min-width:22em}
button{font-size:1em;padding:.4em 1.1em;background:var(--accent);color:#fff;border:0;border-radius:4px;cursor:pointer}
ol.results{padding-left:1.4em}
ol.results li{margin:0 0 1.1em}
.meta{color:var(--muted);font-size:.88em}
mark{background:#ffe066;padding:0 .1em}
.error{background:#fde2e2;border-left:4px solid #c0392b;padding:.6em .9em}
.note{background:#eef3ff;border-left:4px solid var(--accent);padding:.6em .9em}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid var(--line);padding:.35em .6em;text-align:left;vertical-align:top}
th{background:#f4f6f8}
td.num,th.num{text-align:right}
.bar{background:#e8ecf0;height:.9em;width:14em;display:inline-block;vertical-align:middle;border-radius:2px}
.bar span{display:block;height:100%;background:var(--accent);border-radius:2px}
.passage{margin:.3em 0 .8em;padding:.2em .5em;border-left:4px solid transparent}
.passage:target{background:#fff6cc;border-left-color:#f2a900}
.passage.exact{border-left-color:#c0392b;background:#fdf0f0}
.passage.near{border-left-color:#e67e22;background:#fff6ea}
.passage.sentence{border-left-color:#4a69bd;background:#f1f5ff}
.passage .tag{font-size:.8em;color:var(--muted)}
.key{padding:0 .4em;border-left:4px solid;font-size:.85em}
.key.exact{border-color:#c0392b;background:#fdf0f0}.key.near{border-color:#e67e22;background:#fff6ea}.key.sentence{border-color:#4a69bd;background:#f1f5ff}
ul.reused{padding-left:1.1em;font-size:.92em}
.sec{margin-top:1.2em;font-size:1.05em}
.sec .path{font-weight:400;color:var(--muted);font-size:.85em;display:block}
tr.exact td{background:#fde2e2}tr.near td{background:#fff1d6}tr.sentence td{background:#eef3ff}
ins{background:#b7f5c5;text-decoration:none}del{background:#f7c1c1}
.sidebyside td{width:50%}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1.5em}
@media (max-width:800px){.grid{grid-template-columns:1fr}form.filters input[type=search]{min-width:0;width:100%}}
footer{color:var(--muted);font-size:.85em;text-align:center;padding:1em}
</style>
</head>
<body>
<a class="skip" href="#main">Hoppa till innehållet</a>
<header><nav aria-label="Huvudmeny">
<a class="brand" href="/">rapport</a>
{% for href, label, key in nav %}<a href="{{ href }}"{% if key == active %} aria-current="page"{% endif %}>{{ label }}</a>{% endfor %}
</nav></header>
<main id="main" tabindex="-1">
{% block content %}{% endblock %}
</main>
<footer>Stadsdelsnämndernas rapporter · skrivskyddad visning · <a href="/openapi.json">API-beskrivning (OpenAPI)</a></footer>
</body>
</html>
"""

SEARCH = """{% extends "base.html" %}
{% block content %}
<h1>Sök i rapporterna</h1>
<form class="filters" role="search" method="get" action="/" aria-label="Sök och filtrera">
  <label for="q">Sökord eller fråga
    <input type="search" id="q" name="q" value="{{ q }}" maxlength="{{ max_chars }}" required autofocus
           placeholder="t.ex. trygghetsvandringar i parker"></label>
  <label for="district">Stadsdel
    <select id="district" name="district"><option value="">Alla stadsdelar</option>
    {% for d in districts %}<option value="{{ d }}"{% if d == district %} selected{% endif %}>{{ d }}</option>{% endfor %}
    </select></label>
  <label for="year">År
    <select id="year" name="year"><option value="">Alla år</option>
    {% for y in years %}<option value="{{ y }}"{% if y|string == year %} selected{% endif %}>{{ y }}</option>{% endfor %}
    </select></label>
  <label for="theme">Tema
    <select id="theme" name="theme"><option value="">Alla teman</option>
    {% for t in themes %}<option value="{{ t.id }}"{% if t.id == theme %} selected{% endif %}>{{ t.label }}</option>{% endfor %}
    </select></label>
  <label for="top_k">Antal träffar
    <select id="top_k" name="top_k">{% for n in (10, 20, 50) %}<option value="{{ n }}"{% if n == top_k %} selected{% endif %}>{{ n }}</option>{% endfor %}</select></label>
  <button type="submit">Sök</button>
</form>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
{% if q and not error %}
<p role="status" id="count">{{ results|length }} träff{{ "" if results|length == 1 else "ar" }} för <strong>{{ q }}</strong>{% if district %} i {{ district }}{% endif %}{% if year %} år {{ year }}{% endif %}{% if theme %} med temat {{ theme_label }}{% endif %}.</p>
<ol class="results" id="results">
{% for r in results %}
<li><a class="hit" href="{{ r.url }}">{{ r.district or "Okänd stadsdel" }} {{ r.year or "" }}{% if r.page %} · s. {{ r.page }}{% endif %}</a>
  <div class="meta">{{ r.section[-2:]|join(" › ") }}</div>
  <div class="snippet">{{ r.snippet_html|safe }}</div>
  <div class="meta">{{ r.doc }}{% if r.themes %} · teman: {{ r.theme_labels|join(", ") }}{% endif %} · poäng {{ "%.3f"|format(r.score) }}</div></li>
{% endfor %}
</ol>
{% elif not q %}
<p class="note">Sök i {{ n_passages }} textavsnitt ur {{ n_docs }} rapporter. Sökningen förstår böjningar och sammansättningar
(”trygghet” hittar ”trygghetsvandringar”) och liknande formuleringar. Filtrera på stadsdel, år och tema.</p>
{% endif %}
{% endblock %}
"""

DOCUMENTS = """{% extends "base.html" %}
{% block content %}
<h1>Rapporter</h1>
<table><caption class="meta">Indexerade rapporter</caption>
<thead><tr><th scope="col">Rapport</th><th scope="col">Stadsdel</th><th scope="col">År</th><th scope="col">Typ</th><th scope="col" class="num">Textavsnitt</th><th scope="col">Återanvändning</th></tr></thead>
<tbody>{% for d in documents %}<tr><td><a href="/dokument/{{ d.id|urlencode }}">{{ d.title or d.id }}</a></td><td>{{ d.district or "–" }}</td><td>{{ d.year or "–" }}</td><td>{{ d.report_type or "–" }}</td><td class="num">{{ d.passages }}</td><td><a href="/ateranvandning?doc={{ d.id|urlencode }}">Jämför</a></td></tr>{% endfor %}</tbody>
</table>
{% endblock %}
"""

DOCUMENT = """{% extends "base.html" %}
{% block content %}
<h1>{{ doc.district or "Okänd stadsdel" }} {{ doc.year or "" }} – {{ doc.report_type or "rapport" }}</h1>
<p class="meta">{{ doc.title or doc.id }} · {{ doc.passages }} textavsnitt · {{ doc.words }} ord{% if doc.pages %} · {{ doc.pages }} sidor{% endif %} ·
<a href="/ateranvandning?doc={{ doc.id|urlencode }}">Återanvänd text sida vid sida</a></p>
<div class="grid">
<section aria-labelledby="h-themes"><h2 id="h-themes">Teman</h2>
<table><thead><tr><th scope="col">Tema</th><th scope="col">Andel av texten</th></tr></thead><tbody>
{% for t in doc.themes %}<tr><td>{{ t.label }}</td><td><span class="bar" role="img" aria-label="{{ t.label }}: {{ "%.1f"|format(100 * t.share) }} procent"><span style="width:{{ "%.1f"|format(100 * t.share / max_share) }}%"></span></span> {{ "%.1f"|format(100 * t.share) }} %</td></tr>{% endfor %}
</tbody></table>
<p class="meta">Andel av rapportens ord i textavsnitt som handlar om temat.</p>
</section>
<section aria-labelledby="h-reuse"><h2 id="h-reuse">Återanvänd text</h2>
{% if reuse %}<p>{{ "%.1f"|format(100 * reuse.reused_share) }} % av texten ({{ reuse.reused_words }} av {{ reuse.total_words }} ord) finns i
{% if reuse.sources_considered %}tidigare rapporter{% else %}– inga tidigare rapporter att jämföra med{% endif %}.</p>
<ul>{% for s, share in reuse.sources.items() %}<li><a href="/dokument/{{ s|urlencode }}">{{ s }}</a>: {{ "%.1f"|format(100 * share) }} %</li>{% endfor %}</ul>
{% if reuse.matches %}<p>Återanvända avsnitt i texten nedan ({{ reuse.matches|length }}):</p>
<ul class="reused">{% for m in reuse.matches[:6] %}<li><a href="#p-{{ m.id.rsplit('#', 1)[1] }}"><span class="key {{ m.kind }}">{{ kind_labels[m.kind] }}</span></a>
{% if m.page %}s. {{ m.page }}: {% endif %}{{ m.text|truncate(70) }}</li>{% endfor %}</ul>
{% if reuse.matches|length > 6 %}<p class="meta"><a href="/ateranvandning?doc={{ doc.id|urlencode }}">Alla {{ reuse.matches|length }} sida vid sida</a></p>{% endif %}{% endif %}
{% endif %}
</section>
</div>
<nav aria-labelledby="h-toc"><h2 id="h-toc">Innehåll</h2>
<details><summary>{{ doc.sections|length }} avsnitt</summary><ul>
{% for s in doc.sections %}<li><a href="#p-{{ s.first_passage.rsplit('#', 1)[1] }}">{{ s.title }}</a> <span class="meta">{% if s.page %}s. {{ s.page }} · {% endif %}{{ s.passages }} st.</span></li>{% endfor %}
</ul></details></nav>
<section aria-labelledby="h-text"><h2 id="h-text">Text</h2>
{% for item in items %}
{% if item.heading %}<h3 class="sec">{% if item.path %}<span class="path">{{ item.path|join(" › ") }}</span>{% endif %}{{ item.heading }}</h3>{% endif %}
<p class="passage {{ item.kind }}" id="p-{{ item.n }}">{{ item.text }}
<span class="tag">{% if item.page %}s. {{ item.page }}{% endif %}{% if item.themes %} · {{ item.themes|join(", ") }}{% endif %}{% if item.match %} · {{ kind_labels[item.match.kind] }} från <a href="/dokument/{{ item.match.source_doc|urlencode }}#p-{{ item.match.source_id.rsplit('#', 1)[1] }}">{{ item.match.source_doc }}{% if item.match.source_page %} s. {{ item.match.source_page }}{% endif %}</a>{% endif %}</span></p>
{% endfor %}
</section>
{% endblock %}
"""

TRENDS = """{% extends "base.html" %}
{% block content %}
<h1>Teman per stadsdel och år</h1>
<p>Andel av rapporttexten (ord i textavsnitt) som handlar om varje tema.</p>
<figure>{{ chart|safe }}<figcaption class="meta">Diagrammet visar samma siffror som tabellen nedan.</figcaption></figure>
<table><caption class="meta">Andel av texten per tema</caption>
<thead><tr><th scope="col">Stadsdel</th><th scope="col">År</th>{% for t in themes %}<th scope="col" class="num">{{ t.label }}</th>{% endfor %}<th scope="col" class="num">Ord</th></tr></thead>
<tbody>{% for r in rows %}<tr><td>{{ r.district }}</td><td>{{ r.year or "–" }}</td>{% for t in themes %}<td class="num">{{ "%.1f"|format(100 * r.shares[t.id]) }} %</td>{% endfor %}<td class="num">{{ r.words }}</td></tr>{% endfor %}</tbody>
</table>
{% endblock %}
"""

GOALS = """{% extends "base.html" %}
{% block content %}
<h1>Mål och måluppfyllelse</h1>
<p>Målen i rapporternas uppföljning (KF:s inriktningsmål, KF:s mål för verksamhetsområdet, nämndmål) med
förvaltningens bedömning och indikatorer.</p>
<form method="get" action="/mal" class="filters" role="search" aria-label="Filtrera mål">
<label>Stadsdel <select name="district"><option value="">alla</option>{% for d in districts %}<option{% if d == district %} selected{% endif %}>{{ d }}</option>{% endfor %}</select></label>
<label>År <select name="year"><option value="">alla</option>{% for y in years %}<option{% if y|string == year %} selected{% endif %}>{{ y }}</option>{% endfor %}</select></label>
<label>Slag <select name="kind"><option value="">alla</option>{% for k, label in kinds.items() %}<option value="{{ k }}"{% if k == kind %} selected{% endif %}>{{ label }}</option>{% endfor %}</select></label>
<label>Bedömning <select name="assessment"><option value="">alla</option>{% for a in ["helt", "delvis", "inte"] %}<option value="{{ a }}"{% if a == assessment %} selected{% endif %}>{{ labels[a] }}</option>{% endfor %}<option value="ingen"{% if assessment == "ingen" %} selected{% endif %}>{{ labels[None] }}</option></select></label>
<button type="submit">Visa</button>
</form>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
{% if chart %}<figure>{{ chart|safe }}<figcaption class="meta">Andel av de bedömda målen; tabellen nedan visar antalen.</figcaption></figure>
<table><caption class="meta">Bedömda mål per stadsdel och år</caption>
<thead><tr><th scope="col">Stadsdel</th><th scope="col">År</th><th scope="col" class="num">Mål</th><th scope="col" class="num">Bedömda</th><th scope="col" class="num">Helt</th><th scope="col" class="num">Delvis</th><th scope="col" class="num">Inte</th></tr></thead>
<tbody>{% for r in shares %}<tr><td>{{ r.district }}</td><td>{{ r.year or "–" }}</td><td class="num">{{ r.goals }}</td><td class="num">{{ r.assessed }}</td>{% for a in ["helt", "delvis", "inte"] %}<td class="num">{{ "%.0f"|format(100 * r.shares[a]) }} %</td>{% endfor %}</tr>{% endfor %}</tbody></table>{% endif %}
{% if goals %}
<table class="goals"><caption class="meta">{{ goals|length }} mål</caption>
<thead><tr><th scope="col">Rapport</th><th scope="col">Mål</th><th scope="col">Bedömning</th><th scope="col">Indikatorer</th></tr></thead>
<tbody>{% for g in goals %}<tr><td>{{ g.district or g.doc }} {{ g.year or "" }}<br><span class="meta">s. {{ g.page or "–" }}</span></td>
<td><span class="meta">{{ kinds[g.kind] }} {{ g.number or "" }}</span><br>{% if g.url %}<a href="{{ g.url }}">{{ g.goal }}</a>{% else %}{{ g.goal }}{% endif %}{% if g.parent %}<br><span class="meta">under: {{ g.parent }}</span>{% endif %}</td>
<td>{{ labels[g.assessment] }}{% if g.assessment_source == "sentence" %}<br><span class="meta" title="{{ g.assessment_text }}">ur analysen</span>{% endif %}</td>
<td>{% if g.indicators %}<ul>{% for i in g.indicators %}<li>{{ i.name }}: {{ i.outcome or "–" }}{% if i.target %} (mål {{ i.target }}){% endif %}</li>{% endfor %}</ul>{% else %}<span class="meta">–</span>{% endif %}</td></tr>{% endfor %}</tbody></table>
{% elif not error %}<p class="note" role="status">Inga mål{% if district or year or kind or assessment %} med de här filtren{% else %} i indexet (ett index byggt före målextraktionen: bygg om det med <code>rapport index</code>){% endif %}.</p>{% endif %}
{% endblock %}
"""

PROGRAMS = """{% extends "base.html" %}
{% block content %}
<h1>Programregistret</h1>
{% if message %}<p class="note" role="status">{{ message }}</p>{% endif %}
{% if programs %}
<table><thead><tr><th scope="col">Program</th><th scope="col">Slag</th><th scope="col">Andra namn</th><th scope="col">Förekommer i</th></tr></thead>
<tbody>{% for p in programs %}<tr><td><a href="/?q={{ p.name|urlencode }}">{{ p.name }}</a></td><td>{{ program_kinds.get(p.kind, p.kind) or "–" }}</td><td>{{ p.aliases|join(", ") or "–" }}</td>
<td>{% if p.appears %}<ul>{% for a in p.appears %}<li><a href="/dokument/{{ a.doc|urlencode }}{% if a.passages %}#p-{{ a.passages[0].id.rsplit('#', 1)[1] }}{% endif %}">{{ a.district or a.doc }} {{ a.year or "" }}</a>
<span class="meta">{{ a.count }} omnämnande{{ "" if a.count == 1 else "n" }}{% if a.pages %}, s. {{ a.pages[:10]|join(", ") }}{% if a.pages|length > 10 %} …{% endif %}{% endif %}</span></li>{% endfor %}</ul>
{% else %}<span class="meta">inte i de indexerade rapporterna</span>{% endif %}</td></tr>{% endfor %}</tbody></table>
{% endif %}
{% endblock %}
"""

REUSE = """{% extends "base.html" %}
{% block content %}
<h1>Återanvänd text sida vid sida</h1>
<form class="filters" method="get" action="/ateranvandning" aria-label="Välj rapport">
<label for="doc">Rapport
<select id="doc" name="doc">{% for d in documents %}<option value="{{ d.id }}"{% if d.id == doc %} selected{% endif %}>{{ d.district or d.id }} {{ d.year or "" }} – {{ d.report_type or "" }}</option>{% endfor %}</select></label>
<button type="submit">Visa</button></form>
{% if reuse %}
<p>{{ "%.1f"|format(100 * reuse.reused_share) }} % av texten i <a href="/dokument/{{ doc|urlencode }}">{{ doc }}</a> ({{ reuse.reused_words }} av {{ reuse.total_words }} ord) är återanvänd.
{% if reuse.sources_considered %}Jämförd med: {{ reuse.sources_considered|join(", ") }}.{% else %}Det finns inga tidigare rapporter i indexet att jämföra med.{% endif %}</p>
<p class="meta">Röd: ordagrann kopia · orange: lätt redigerad · blå: kopierad mening. <ins>grönt</ins> = ändrat i den nya texten, <del>rött</del> = borttaget ur källan.</p>
{% if rows %}
<table class="sidebyside"><thead><tr><th scope="col">{{ doc }}</th><th scope="col">Källa</th></tr></thead><tbody>
{% for r in rows %}<tr class="{{ r.kind }}"><td>{{ r.left|safe }}<div class="meta"><a href="/dokument/{{ doc|urlencode }}#p-{{ r.n }}">{% if r.page %}s. {{ r.page }}{% else %}avsnittet{% endif %}</a> · {{ kind_labels[r.kind] }} · likhet {{ "%.2f"|format(r.similarity) }}</div></td>
<td>{{ r.right|safe }}<div class="meta"><a href="/dokument/{{ r.source_doc|urlencode }}#p-{{ r.source_n }}">{{ r.source_doc }}{% if r.source_page %} s. {{ r.source_page }}{% endif %}</a></div></td></tr>{% endfor %}
</tbody></table>{% if truncated %}<p class="meta">Visar de första {{ rows|length }} träffarna.</p>{% endif %}
{% else %}<p class="note">Ingen återanvänd text hittades.</p>{% endif %}
{% endif %}
{% endblock %}
"""

ERROR = """{% extends "base.html" %}
{% block content %}
<h1>{{ title }}</h1>
<p class="error" role="alert">{{ message }}</p>
<p><a href="/">Till sökningen</a></p>
{% endblock %}
"""

TEMPLATES = {"base.html": BASE, "search.html": SEARCH, "documents.html": DOCUMENTS, "document.html": DOCUMENT,
             "trends.html": TRENDS, "programs.html": PROGRAMS, "goals.html": GOALS, "reuse.html": REUSE, "error.html": ERROR}
