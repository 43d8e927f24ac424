"""Check the built site as a reader would: every page opened in headless Chromium.

    python tools/docs_check.py                 # check _docs (build it first: make docs)
    python tools/docs_check.py --if-chromium   # the same, but exit 0 with a message where chromium is absent
    python tools/docs_check.py --docs DIR      # check another copy of the site

Serves the site on 127.0.0.1 (http.server in a thread, a free port), loads every page with Debian's
`chromium --headless --dump-dom`, parses the DOM as Chromium rendered it (html.parser) and fails (exit 1)
on:
- a missing page: a notebook in nbs/ whose page is not in the site, or a link to a page that is not there;
- a broken internal link: every href/src to a local page or asset (and to the published site, which
  nbdev's cross-references name), anchors included: `page.html#x` needs an element with id `x` on page.html;
- an empty API reference: a module notebook (`#| default_exp`) whose page documents none of the module's
  symbols (nbdev's symbol index, `_modidx.py`), or a documented symbol with no signature under its heading;
- a Python traceback in the page (an error output, or `Traceback (most recent call last)` in its text);
- more than one level-1 heading (only the title is one: more means Markdown lines written as `# ...`), or a
  page title that starts with `#` (a title cell written `# # Title`).
Saves screenshots of the home page and of one module page to _docs_check/. Every wait is bounded.
"""
import argparse, configparser, functools, http.server, json, os, re, shutil, signal, subprocess, sys, tempfile
import threading, time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from readme import page_name  # noqa: E402  (nbdev's page name for a notebook)

CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync',
                  '--disable-extensions', '--disable-dev-shm-usage', '--hide-scrollbars']
LINK_ATTRS = {('a', 'href'), ('area', 'href'), ('link', 'href'), ('script', 'src'), ('img', 'src'),
              ('iframe', 'src'), ('source', 'src'), ('video', 'src'), ('audio', 'src'), ('embed', 'src')}
TRACEBACK = re.compile(r'Traceback \(most recent call last\)')
HEADINGS = {'h1', 'h2', 'h3', 'h4', 'h5', 'h6'}
VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr'}


def find_chromium():
    for name in ('chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'):
        if shutil.which(name): return shutil.which(name)
    return None


class Page(HTMLParser):
    "What the check needs from one rendered page: ids, links, visible text, error outputs, and headings."
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links, self.text, self.errors, self.events, self.h1 = set(), [], [], 0, [], 0
        self._skip = 0  # inside <script>/<style>
        self._depth = 0  # how deep the parser is in the element tree
        self.title, self._in_title = '', False  # the <title> text

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get('id'): self.ids.add(a['id'])
        if tag == 'a' and a.get('name'): self.ids.add(a['name'])
        for t, attr in LINK_ATTRS:
            if tag == t and a.get(attr): self.links.append((tag, a[attr]))
        if 'cell-output-error' in (a.get('class') or '').split(): self.errors += 1
        if tag == 'h1': self.h1 += 1
        if tag == 'title': self._in_title = True
        if tag in ('script', 'style', 'template'): self._skip += 1
        self.events.append(('start', tag, a.get('id'), self._depth))
        if tag not in VOID: self._depth += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID: self._depth -= 1

    def handle_endtag(self, tag):
        if tag == 'title': self._in_title = False
        if tag in ('script', 'style', 'template') and self._skip: self._skip -= 1
        if tag not in VOID: self._depth -= 1
        self.events.append(('end', tag, None, self._depth))

    def handle_data(self, data):
        if self._in_title: self.title += data
        if not self._skip: self.text.append(data)

    def documented(self, anchor):
        "Whether the element with id `anchor` is a heading followed, inside the same parent and before the next heading, by a signature (<pre>)."
        for i, (kind, tag, id_, depth) in enumerate(self.events):
            if kind != 'start' or id_ != anchor: continue
            if tag not in HEADINGS: return False
            for kind2, tag2, _, depth2 in self.events[i + 1:]:
                if kind2 == 'end' and depth2 < depth: return False  # left the heading's parent
                if kind2 == 'start' and (tag2 in HEADINGS or tag2 == 'hr'): return False
                if kind2 == 'start' and tag2 == 'pre': return True
            return False
        return False


def parse(html):
    p = Page()
    p.feed(html)
    p.close()
    return p


def run_chromium(chromium, args, timeout):
    "Run headless Chromium in its own process group and profile; kill the group at the timeout."
    profile = tempfile.mkdtemp(prefix='docs_check_chromium_')
    try:
        proc = subprocess.Popen([chromium, *CHROMIUM_FLAGS, f'--user-data-dir={profile}', *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return None, f'chromium did not finish within {timeout} s'
        if proc.returncode: return None, f'chromium exited {proc.returncode}: {err.decode(errors="replace")[-500:]}'
        return out.decode('utf-8', errors='replace'), None
    finally:
        shutil.rmtree(profile, ignore_errors=True)


class Server:
    "The site on 127.0.0.1, a free port, in a daemon thread."
    def __init__(self, root):
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *a): pass
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(root)))
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}/'
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self): self.thread.start(); return self
    def __exit__(self, *a): self.httpd.shutdown(); self.httpd.server_close(); self.thread.join(timeout=10)


def settings():
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(ROOT / 'settings.ini')
    return dict(cp['DEFAULT'])


def expected_pages(nbs: Path):
    "Each notebook's page, and the module notebooks: ({page: notebook}, {page: module})."
    pages, modules = {}, {}
    for f in sorted(nbs.rglob('*')):
        rel = f.relative_to(nbs)
        if not f.is_file() or any(p.startswith(('_', '.')) for p in rel.parts): continue
        if f.suffix == '.ipynb': page = page_name(rel.as_posix())
        elif f.suffix in ('.qmd', '.md'): page = rel.with_suffix('.html').as_posix()
        else: continue
        pages[page] = rel.as_posix()
        if f.suffix == '.ipynb':
            cells = json.loads(f.read_text(encoding='utf-8')).get('cells', [])
            code = '\n'.join(''.join(c['source']) if isinstance(c['source'], list) else c['source']
                              for c in cells if c.get('cell_type') == 'code')
            m = re.search(r'^\s*#\s*\|\s*default_exp\s+([\w.]+)', code, re.M)
            if m: modules[page] = m.group(1)
    return pages, modules


def module_symbols(s):
    "nbdev's symbol index: {module: {symbol: 'page.html#anchor'}}."
    f = ROOT / s.get('lib_path', s['lib_name']) / '_modidx.py'
    ns = {}
    exec(compile(f.read_text(encoding='utf-8'), str(f), 'exec'), ns)
    return {mod: {sym: v[0] for sym, v in d.items()} for mod, d in ns['d'].get('syms', {}).items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--docs', default=None, help='the built site (default: settings.ini doc_path, _docs)')
    ap.add_argument('--out', default='_docs_check', help='where the screenshots go (default _docs_check)')
    ap.add_argument('--if-chromium', action='store_true', help='exit 0 with a message when chromium is not installed')
    ap.add_argument('--timeout', type=float, default=60, help='seconds for Chromium to render one page (default 60)')
    ap.add_argument('--workers', type=int, default=2, help='pages rendered at once (default 2)')
    args = ap.parse_args(argv)
    chromium = find_chromium()
    if chromium is None:
        if args.if_chromium:
            print('docs_check: skipped: chromium not installed (`make docs-check` installs it and runs this check)')
            return 0
        print('docs_check: ERROR: chromium not installed (apt-get install -y chromium, or `make docs-check`)')
        return 2
    s = settings()
    docs = Path(args.docs or ROOT / s.get('doc_path', '_docs')).resolve()
    if not (docs / 'index.html').is_file():
        print(f'docs_check: ERROR: no site at {docs} (index.html missing): run `make docs` first')
        return 1
    site_url = urljoin(s['doc_host'] + '/', s.get('doc_baseurl', '')).rstrip('/')
    pages, modules = expected_pages(ROOT / s.get('nbs_path', 'nbs'))
    problems = []
    for page, nb in pages.items():
        if not (docs / page).is_file(): problems.append(f'{page}: missing page (from nbs/{nb})')
    html_files = sorted(p.relative_to(docs).as_posix() for p in docs.rglob('*.html') if 'site_libs' not in p.parts)
    t0 = time.perf_counter()
    with Server(docs) as server:
        def load(rel):
            return rel, *run_chromium(chromium, ['--virtual-time-budget=1000', '--dump-dom', server.url + rel], args.timeout)
        with ThreadPoolExecutor(max(1, args.workers)) as ex:
            dumped = list(ex.map(load, html_files))
        rendered = {}
        for rel, dom, err in dumped:
            if err or not dom or '<body' not in dom:
                problems.append(f'{rel}: Chromium could not render it: {err or "empty DOM"}')
            else:
                rendered[rel] = parse(dom)
        # screenshots: the home page and the first module page
        outdir = (ROOT / args.out).resolve()
        shutil.rmtree(outdir, ignore_errors=True)
        outdir.mkdir(parents=True)
        shots = ['index.html'] + [p for p in modules if p in rendered][:1]
        for rel in shots:
            png = outdir / (rel.replace('/', '_').removesuffix('.html') + '.png')
            _, err = run_chromium(chromium, ['--window-size=1280,1600', '--virtual-time-budget=3000',
                                             f'--screenshot={png}', server.url + rel], args.timeout)
            if err or not png.is_file(): problems.append(f'{rel}: screenshot failed: {err or "no file"}')
    secs = time.perf_counter() - t0

    static_ids = {}
    def ids_of(rel):  # ids of a page Chromium rendered, else of the file as it is (e.g. an html asset)
        if rel in rendered: return rendered[rel].ids
        if rel not in static_ids: static_ids[rel] = parse((docs / rel).read_text(encoding='utf-8', errors='replace')).ids
        return static_ids[rel]

    n_links = 0
    for rel, page in rendered.items():
        base = 'http://site.invalid/' + rel
        for tag, url in page.links:
            url = url.strip()
            if site_url and (url == site_url or url.startswith((site_url + '/', site_url + '#'))):
                url = '/' + url[len(site_url):].lstrip('/')
            if url.startswith(('data:', 'mailto:', 'javascript:', 'tel:')): continue
            parts = urlsplit(urljoin(base, url))
            if parts.netloc != 'site.invalid': continue  # external
            n_links += 1
            target = unquote(parts.path).lstrip('/')
            if target == '' or target.endswith('/'): target += 'index.html'
            if not (docs / target).is_file():
                problems.append(f'{rel}: broken link <{tag}> {url} (no {target})')
            elif parts.fragment and target.endswith('.html') and unquote(parts.fragment) not in ids_of(target):
                problems.append(f'{rel}: broken anchor <{tag}> {url} (no id "{unquote(parts.fragment)}" in {target})')
        text = ''.join(page.text)
        if page.errors or TRACEBACK.search(text):
            m = TRACEBACK.search(text)
            where = ' '.join(text[m.start():m.start() + 240].split()) + '...' if m else 'an error output cell'
            problems.append(f'{rel}: Python traceback in the page: {where}')

        if page.title.strip().startswith('#'):  # a title cell written '# # Title' (a commented-out heading)
            problems.append(f'{rel}: page title starts with "#": {page.title.strip()!r}')
        if page.h1 > 1:  # only the title is a level-1 heading; more means Markdown lines that start with '# '
            problems.append(f'{rel}: {page.h1} level-1 headings: only the title should be one (a Markdown cell '
                            f'whose lines start with "# "?)')

    symbols = module_symbols(s)
    lib = s['lib_name']
    for page, mod in modules.items():
        if page not in rendered: continue
        syms = {sym: url.split('#', 1)[1] for sym, url in symbols.get(f'{lib}.{mod}', {}).items()
                if '#' in url and url.split('#', 1)[0] == page}
        shown = {sym for sym, a in syms.items() if a in rendered[page].ids}
        if not syms:
            problems.append(f'{page}: empty API reference: nbdev\'s symbol index has nothing for {lib}.{mod} '
                            f'on this page (run nbdev_export)')
        elif not shown:
            problems.append(f'{page}: empty API reference: none of {lib}.{mod}\'s {len(syms)} symbol(s) is documented '
                            f'(e.g. no id "{next(iter(syms.values()))}")')
        for sym in sorted(shown):
            if not rendered[page].documented(syms[sym]):
                problems.append(f'{page}: empty API reference entry for {sym}: no signature under its heading')
    n_api = sum(1 for p in modules if p in rendered)

    print(f'docs_check: {len(rendered)}/{len(html_files)} page(s) rendered by {Path(chromium).name} in {secs:.1f} s, '
          f'{n_links} internal link(s) checked, {n_api} module page(s) with an API reference, '
          f'{len(pages)} notebook page(s) expected; screenshots in {args.out}/: '
          f'{", ".join(sorted(p.name for p in outdir.glob("*.png")))}')
    problems = list(dict.fromkeys(problems))  # each problem once
    if problems:
        print(f'docs_check: FAILED: {len(problems)} problem(s):')
        for p in problems: print(f'  - {p}')
        return 1
    print('docs_check: OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())
