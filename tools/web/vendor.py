"""The web assets of the slides, the course website and the app: pinned npm packages,
fetched once with ``npm pack`` (the npm registry's own client), checked against the
sha512 integrity recorded below, cached under ``build/web-cache/`` (git-ignored) and copied
into each build, so every page loads them from its own folder and never from a CDN.

Only the files a page loads are copied (MathJax 2 with its CommonHTML output and TeX
fonts, reveal.js's ``dist/`` and notes plugin, the widget renderer, require.js, jQuery).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "web-cache"


@dataclass(frozen=True)
class Package:
    """One pinned npm package: its name, version, sha512 integrity and the files a page needs
    (paths inside the package, folders copied whole)."""

    name: str
    version: str
    integrity: str
    files: tuple[str, ...]
    key: str = ""

    @property
    def folder(self) -> str:
        """The folder name the package gets inside a build's vendor folder."""
        return self.key or self.name.rsplit("/", 1)[-1]


#: reveal.js 5 works with nbconvert 7's reveal template as it is (6.x moved its notes plugin);
#: MathJax must be 2.x for nbconvert's template; the website uses MathJax 3, Sphinx's and myst-nb's
#: default; the widget renderer 1.x renders ipywidgets 8 state.
PACKAGES: dict[str, Package] = {
    p.folder: p
    for p in [
        Package(
            "reveal.js",
            "5.2.1",
            "sha512-r7//6mIM5p34hFiDMvYfXgyjXqGRta+/psd9YtytsgRlrpRzFv4RbH76TXd2qD+7ZPZEbpBDhdRhJaFgfQ7zNQ==",
            ("dist", "plugin/notes", "LICENSE"),
        ),
        Package(
            "mathjax",
            "2.7.9",
            "sha512-NOGEDTIM9+MrsqnjPEjVGNx4q0GQxqm61yQwSK+/5S59i26wId5IC5gNu9/bu8+CCVl5p9G2IHcAl/wJa+5+BQ==",
            (
                "MathJax.js",
                "config/TeX-AMS_CHTML-full.js",
                "config/TeX-AMS-MML_HTMLorMML.js",
                "extensions",
                "jax/input/TeX",
                "jax/input/MathML",
                "jax/element",
                "jax/output/CommonHTML",
                "jax/output/HTML-CSS",
                "fonts/HTML-CSS/TeX/woff",
                "fonts/HTML-CSS/TeX/otf",
                "localization/en",
                "LICENSE",
            ),
        ),
        Package(
            "mathjax",
            "3.2.2",
            "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
            ("es5/tex-mml-chtml.js", "es5/output/chtml", "es5/input", "es5/a11y", "es5/ui", "es5/sre", "LICENSE"),
            key="mathjax3",
        ),
        Package(
            "@jupyter-widgets/html-manager",
            "1.0.15",
            "sha512-5thBIV6ymNgmPVOHvzx+gGy8ZSKmSazhtGw4/c4xJDVzRhG9PTeQsRjF3FUTopvFi//SABeNz1yp47bCrJ3CQA==",
            ("dist",),
        ),
        Package(
            "requirejs", "2.3.7", "sha512-DouTG8T1WanGok6Qjg2SXuCMzszOo0eHeH9hDZ5Y4x8Je+9JB38HdTLT4/VA8OaUhBa0JPVHJ0pyBkM1z+pDsw==", ("require.js", "README.md")
        ),
        Package(
            "jquery",
            "3.7.1",
            "sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg==",
            ("dist/jquery.min.js", "LICENSE.txt"),
        ),
    ]
}

#: Files never copied (source maps, TypeScript declarations).
SKIP_SUFFIXES = (".map", ".d.ts")


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def fetch(package: Package, cache: Path = CACHE) -> Path:
    """The unpacked package (its ``package/`` folder) in the cache, fetched with ``npm pack``
    when missing; a tarball whose sha512 differs from the pin is deleted and refused."""
    unpacked = cache / f"{package.folder}-{package.version}"
    if (unpacked / "package" / "package.json").exists():
        return unpacked / "package"
    if shutil.which("npm") is None:
        raise RuntimeError(
            "npm is missing: the web build fetches reveal.js, MathJax and the widget renderer from the npm registry (Debian: apt-get install npm)"
        )
    cache.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(
        ["npm", "pack", f"{package.name}@{package.version}", "--json", "--pack-destination", str(cache)], capture_output=True, text=True, cwd=cache
    )
    if out.returncode != 0:
        raise RuntimeError(f"npm pack {package.name}@{package.version} failed:\n{out.stderr.strip()[-2000:]}")
    tarball = cache / json.loads(out.stdout)[0]["filename"]
    found = _integrity(tarball)
    if found != package.integrity:
        tarball.unlink()
        raise RuntimeError(f"{package.name}@{package.version}: integrity {found} differs from the pin {package.integrity}; refusing it")
    tmp = unpacked.with_name(unpacked.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    with tarfile.open(tarball) as tar:
        tar.extractall(tmp, filter="data")
    tarball.unlink()
    shutil.rmtree(unpacked, ignore_errors=True)
    tmp.rename(unpacked)
    return unpacked / "package"


def install(dest: Path, names: tuple[str, ...] | None = None, cache: Path = CACHE) -> dict[str, Path]:
    """Copy the needed files of each pinned package (all, or ``names``) into ``dest/<folder>/``;
    returns each package's folder there."""
    placed = {}
    for key, package in PACKAGES.items():
        if names is not None and key not in names:
            continue
        source = fetch(package, cache)
        target = dest / package.folder
        shutil.rmtree(target, ignore_errors=True)
        for rel in package.files:
            src = source / rel
            if src.is_dir():
                shutil.copytree(src, target / rel, ignore=shutil.ignore_patterns(*(f"*{s}" for s in SKIP_SUFFIXES)))
            elif src.exists():
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target / rel)
            else:
                raise RuntimeError(f"{package.name}@{package.version} has no {rel}")
        (target / "VERSION").write_text(f"{package.name}@{package.version}\n")
        placed[key] = target
    return placed


if __name__ == "__main__":  # fill the cache (make slides/site/app do it when needed)
    for p in PACKAGES.values():
        print(p.name, p.version, fetch(p))
