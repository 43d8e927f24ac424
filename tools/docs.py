"""`make docs`: render the documentation site from the notebooks into `_docs/`, offline, and write README.md.

    python tools/docs.py            # from the repository root, with the venv's bin on PATH
    python tools/docs.py --force    # reprocess every notebook (ignore nbdev's `_proc` cache)

Where `quarto` is on PATH this is nbdev's own `nbdev_docs`. Elsewhere (Quarto cannot be installed on these
machines) it runs nbdev's own processing (`refresh_quarto_yml`, `_build_modidx`, `nbdev_sidebar`, `proc_nbs`,
which runs the notebooks' import and `show_doc` cells) and renders the processed notebooks with smalldocs, a
pure-Python renderer of Quarto projects. smalldocs names a page after its source file and ignores Quarto's
`output-file`, so before rendering, a scratch copy of the processed project is brought in line with Quarto's
naming:

- each processed notebook is renamed to the page name nbdev gave it in `output-file`
  (`00_memory_collection.ipynb` -> `memory_collection.ipynb`, hence `memory_collection.html`), and the
  sidebar and the config follow the renames;
- links that name a renamed notebook (`[x](00_memory_collection.ipynb#y)`) follow the rename too;
- nbdev's backtick cross-references, which point at the published site (`{doc_host}{doc_baseurl}/x.html#y`),
  become relative links, so they work offline and are checked as internal links.

The build fails on a broken internal link that smalldocs finds (the browser check, tools/docs_check.py, also
checks anchors). README.md is written from nbs/index.ipynb by tools/readme.py on both paths.
"""
import argparse, hashlib, json, os, posixpath, re, shutil, subprocess, sys, tempfile, time
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urljoin

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import readme  # noqa: E402  (tools/readme.py)

# nbdev front-matter keys that only nbdev reads; smalldocs would warn about each
NBDEV_ONLY_KEYS = ('output-file', 'skip_exec', 'skip_showdoc')
# a link target in Markdown or HTML: `](target`, `](<target`, `href="target`, `src='target`
_LINK = re.compile(r'''(?P<pre>\]\(\s*<?|\b(?:href|src)\s*=\s*["'])(?P<url>[^\s)"'<>]+)''')
_SCHEME = re.compile(r'^[a-zA-Z][a-zA-Z0-9+.-]*:|^//')
_FRONT = re.compile(r'\A\s*---\s*\n(.*?)\n---\s*(?:\n|\Z)', re.S)


def site_url(cfg) -> str:
    "The published site's root, as nbdev writes it into cross-reference links (no trailing slash)."
    return urljoin(cfg.doc_host + '/', cfg.doc_baseurl).rstrip('/')


# ---------------------------------------------------------------- nbdev's processing

def _modidx_digest(cfg) -> str:
    f = cfg.lib_path / '_modidx.py'
    return hashlib.sha1(f.read_bytes()).hexdigest() if f.exists() else ''


def nbdev_process(cfg, force=False) -> Path:
    "nbdev's own docs preparation, as `nbdev_docs` does it before calling Quarto. Returns the `_proc` folder."
    from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
    from nbdev.serve import proc_nbs
    import nbdev.doclinks
    refresh_quarto_yml()
    nbdev.doclinks._build_modidx()
    nbdev_sidebar.__wrapped__()
    cache = cfg.config_path / '_proc'
    # proc_nbs reprocesses only notebooks newer than its cache; a new or renamed symbol elsewhere changes the
    # cross-reference links of unchanged notebooks too, so a changed symbol index reprocesses everything.
    stamp, digest = cache / '.modidx.sha1', _modidx_digest(cfg)
    if cache.exists() and (not stamp.exists() or stamp.read_text() != digest): force = True
    t = time.perf_counter()
    proc_nbs(force=force)
    cache.mkdir(exist_ok=True)
    stamp.write_text(digest)
    print(f'docs: nbdev processed the notebooks ({"all" if force else "incremental"}) '
          f'in {time.perf_counter() - t:.1f} s')
    return cache


def _current_files(cache: Path, nbs: Path, skip: set) -> list:
    "The files in nbdev's cache whose source still exists (the cache keeps pages of deleted notebooks)."
    keep = []
    for f in sorted(cache.rglob('*')):
        r = f.relative_to(cache)
        if not f.is_file() or r.parts[0] in skip or any(p.startswith('.') for p in r.parts): continue
        if (nbs / r).exists() or (nbs / (str(r) + '.py')).exists(): keep.append(r)
        else: f.unlink()  # stale: its notebook is gone
    return keep


# ---------------------------------------------------------------- Quarto's page names for smalldocs

def _src(cell) -> str:
    s = cell.get('source', '')
    return ''.join(s) if isinstance(s, list) else s


def _front_matter(nb: dict):
    "The processed notebook's front matter (nbdev writes it as a raw first cell): (cell, dict) or (None, {})."
    cells = nb.get('cells') or []
    if cells and cells[0].get('cell_type') == 'raw':
        m = _FRONT.match(_src(cells[0]))
        if m:
            fm = yaml.safe_load(m.group(1)) or {}
            if isinstance(fm, dict): return cells[0], fm
    return None, {}


def _rewrite_links(text: str, page_dir: str, base: str, renames: dict) -> str:
    "Make site-URL links relative and point links at renamed notebooks to their new names."
    def fix(m):
        url = m.group('url')
        if base and (url == base or url.startswith(base + '/') or url.startswith(base + '#')):
            rest = url[len(base):].lstrip('/')
            path, tail = re.match(r'([^#?]*)(.*)', rest, re.S).groups()
            url = posixpath.relpath(path or 'index.html', page_dir or '.') + tail
        elif url.startswith(('#', '?', '/')) or _SCHEME.match(url):
            return m.group(0)
        path, tail = re.match(r'([^#?]*)(.*)', url, re.S).groups()
        if path:
            target = posixpath.normpath(posixpath.join(page_dir, unquote(path)))
            stem, ext = posixpath.splitext(target)
            new = renames.get(stem + '.ipynb')
            if new and ext in ('.ipynb', '.html'):
                url = posixpath.relpath(posixpath.splitext(new)[0] + ext, page_dir or '.') + tail
        return m.group('pre') + url
    return _LINK.sub(fix, text)


def _rename_yaml(obj, renames: dict):
    "Follow the renames in a config or sidebar: every string value that names a renamed notebook."
    if isinstance(obj, dict): return {k: _rename_yaml(v, renames) for k, v in obj.items()}
    if isinstance(obj, list): return [_rename_yaml(v, renames) for v in obj]
    if isinstance(obj, str):
        p = posixpath.normpath(obj.lstrip('/')) if obj.strip() else obj
        return renames.get(p, obj)
    return obj


def quarto_names(stage: Path, base: str) -> dict:
    "Rename the processed notebooks in `stage` to their `output-file` names and rewrite links. Returns the renames."
    renames, nbs = {}, {}
    for f in sorted(stage.rglob('*.ipynb')):
        rel = f.relative_to(stage).as_posix()
        nb = json.loads(f.read_text(encoding='utf-8'))
        cell, fm = _front_matter(nb)
        out = fm.get('output-file')
        if out and PurePosixPath(str(out)).suffix == '.html' and PurePosixPath(str(out)).stem != f.stem:
            new = (PurePosixPath(rel).parent / PurePosixPath(str(out)).with_suffix('.ipynb').name).as_posix()
            renames[rel] = new
        if cell is not None and any(k in fm for k in NBDEV_ONLY_KEYS):
            fm = {k: v for k, v in fm.items() if k not in NBDEV_ONLY_KEYS}
            cell['source'] = '---\n' + yaml.safe_dump(fm, sort_keys=False, allow_unicode=True) + '---\n'
        nbs[rel] = nb
    targets = list(renames.values())
    for new in targets:
        if targets.count(new) > 1 or (new in nbs and new not in renames):
            clash = sorted([o for o, n in renames.items() if n == new] + ([new] if new in nbs else []))
            raise SystemExit(f'docs: ERROR: {", ".join(clash)} would all become the page {new[:-6]}.html')
    for rel, nb in nbs.items():
        page_dir = posixpath.dirname(renames.get(rel, rel))
        for c in nb.get('cells', []):
            if c.get('cell_type') == 'markdown':
                c['source'] = _rewrite_links(_src(c), page_dir, base, renames)
            for o in c.get('outputs', []) if c.get('cell_type') == 'code' else []:
                for mime in ('text/markdown', 'text/html'):
                    v = (o.get('data') or {}).get(mime)
                    if v is not None:
                        o['data'][mime] = _rewrite_links(''.join(v) if isinstance(v, list) else v, page_dir, base, renames)
        (stage / rel).unlink()
        (stage / renames.get(rel, rel)).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n', encoding='utf-8')
    for name in ('_quarto.yml', 'sidebar.yml', 'nbdev.yml'):
        f = stage / name
        if f.exists() and renames:
            f.write_text(yaml.safe_dump(_rename_yaml(yaml.safe_load(f.read_text()), renames), sort_keys=False))
    return renames


def smalldocs_render(cfg, cache: Path) -> Path:
    "Render the processed project with smalldocs into a scratch folder; return the built site."
    stage = Path(tempfile.mkdtemp(prefix='pkm_docs_'))
    for r in _current_files(cache, cfg.nbs_path, {cfg.doc_path.name}):
        (stage / r).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(cache / r, stage / r)
    renames = quarto_names(stage, site_url(cfg))
    for old, new in renames.items(): print(f'docs: page {old} -> {new[:-6]}.html')
    r = subprocess.run([sys.executable, '-m', 'smalldocs.cli', 'render', '--quiet', str(stage)],
                       capture_output=True, text=True, timeout=600)
    warnings = [l.removeprefix('warning: ') for l in r.stderr.splitlines() if l.startswith('warning: ')]
    other = [l for l in r.stderr.splitlines() if l.strip() and not l.startswith('warning: ')]
    for w in warnings: print(f'docs: smalldocs warning: {w}')
    if r.returncode or other:
        print('\n'.join(other), file=sys.stderr)
        if r.returncode: raise SystemExit(f'docs: ERROR: smalldocs render failed (exit {r.returncode})')
    broken = [w for w in warnings if 'broken link' in w]
    if broken:
        raise SystemExit(f'docs: ERROR: {len(broken)} broken link(s) (listed above); scratch project kept in {stage}')
    return stage / cfg.doc_path.name, stage


# ---------------------------------------------------------------- main

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--force', action='store_true', help="reprocess every notebook, ignoring nbdev's _proc cache")
    args = p.parse_args(argv)
    os.chdir(ROOT)
    from nbdev.config import get_config
    cfg = get_config()
    t0 = time.perf_counter()
    if shutil.which('quarto'):
        print('docs: quarto found: nbdev_docs')
        subprocess.run(['nbdev_docs'], check=True)
    else:
        print('docs: quarto not found: nbdev processing + smalldocs')
        cache = nbdev_process(cfg, force=args.force)
        site, stage = smalldocs_render(cfg, cache)
        shutil.rmtree(cfg.doc_path, ignore_errors=True)
        shutil.move(str(site), str(cfg.doc_path))
        shutil.rmtree(stage, ignore_errors=True)
    readme.main([])  # README.md from nbs/index.ipynb (on the quarto path, replaces nbdev_readme's)
    pages = sorted(p.relative_to(cfg.doc_path).as_posix() for p in cfg.doc_path.rglob('*.html')
                   if 'site_libs' not in p.parts)
    print(f'docs: wrote {len(pages)} page(s) to {cfg.doc_path.relative_to(ROOT)}/ in '
          f'{time.perf_counter() - t0:.1f} s: {", ".join(pages)}')


if __name__ == '__main__':
    main()
