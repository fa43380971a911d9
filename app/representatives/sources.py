"""Finding officials files: in a directory (searched recursively), at a URL, or in an archive.

Files are recognised by name and place, as upstream publishes them:
``legislators-current.{yaml,json}``, ``legislators-district-offices.{yaml,json}``, Open States
person files under a ``legislature/`` or ``executive/`` folder (``data/ca/legislature/*.yml`` in
the openstates/people archive), and a CSV with the header ``state_fips,state_abbr,zcta,cd``.
"""

import re
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

import httpx

from app.representatives.parsers import ZCTA_HEADER, SourceError

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
# Open States keeps people in data/<state>/{legislature,executive,retired,municipalities}/.
PEOPLE_FOLDERS = {"legislature", "executive"}
_STATE_FOLDER = re.compile(r"(?:^|/)data/([a-z]{2})/(?:legislature|executive)/")

Progress = Callable[[str, int, int | None], None]  # (what, done, total)


@dataclass
class SourceFiles:
    """Every recognised file's (name, content), by kind."""

    congress: list[tuple[str, bytes]] = field(default_factory=list)
    district_offices: list[tuple[str, bytes]] = field(default_factory=list)
    people: list[tuple[str, bytes]] = field(default_factory=list)
    zcta: list[tuple[str, bytes]] = field(default_factory=list)

    def add(self, kind: str, name: str, content: bytes) -> None:
        getattr(self, kind).append((name, content))

    def extend(self, other: "SourceFiles") -> None:
        for kind in ("congress", "district_offices", "people", "zcta"):
            getattr(self, kind).extend(getattr(other, kind))

    def __bool__(self) -> bool:
        return bool(self.congress or self.district_offices or self.people or self.zcta)


def classify(path: str, head: bytes = b"") -> str | None:
    """The kind of officials file at ``path`` (a POSIX-style path), or None to skip it."""
    posix = PurePosixPath(path)
    name = posix.name.lower()
    if name in ("legislators-current.yaml", "legislators-current.yml", "legislators-current.json"):
        return "congress"
    if name.startswith("legislators-district-offices.") and posix.suffix in (".yaml", ".json"):
        return "district_offices"
    if posix.suffix in (".yml", ".yaml") and posix.parent.name in PEOPLE_FOLDERS:
        return "people"
    if posix.suffix == ".csv" and head.decode("utf-8-sig", "replace").split("\n", 1)[
        0
    ].strip().replace(" ", "") == ",".join(ZCTA_HEADER):
        return "zcta"
    return None


def _wanted_state(path: str, states: set[str] | None) -> bool:
    """Skip other states' people early: the full archive holds every state's."""
    if not states:
        return True
    match = _STATE_FOLDER.search(path)
    return match is None or match.group(1).upper() in states


def from_directory(directory: Path, states: set[str] | None = None) -> SourceFiles:
    found = SourceFiles()
    for path in sorted(directory.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(directory).as_posix()
        if relative.lower().endswith(ARCHIVE_SUFFIXES):
            found.extend(from_archive(path, states))
            continue
        with path.open("rb") as handle:
            head = handle.read(200)
        kind = classify(relative, head)
        if kind and (kind != "people" or _wanted_state(relative, states)):
            found.add(kind, relative, path.read_bytes())
    return found


def from_archive(path: Path, states: set[str] | None = None) -> SourceFiles:
    found = SourceFiles()
    for name, read in _archive_members(path):
        if not name.lower().endswith((".yml", ".yaml", ".json", ".csv")):
            continue
        if not _wanted_state(name, states):
            continue
        content = read()
        kind = classify(name, content[:200])
        if kind:
            found.add(kind, name, content)
    return found


def _archive_members(path: Path) -> Iterator[tuple[str, Callable[[], bytes]]]:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    yield info.filename, lambda info=info: archive.read(info)
        return
    try:
        # Streaming mode ("r|*"): members are read in order, never seeking back.
        with tarfile.open(path, mode="r|*") as archive:
            for member in archive:
                if member.isfile():
                    handle = archive.extractfile(member)
                    if handle is not None:
                        yield member.name, handle.read
    except tarfile.TarError as error:
        raise SourceError(f"{path.name}: not a readable archive ({error})") from None


def from_url(
    client: httpx.Client,
    url: str,
    states: set[str] | None = None,
    progress: Progress | None = None,
) -> SourceFiles:
    """Download ``url`` (streamed to a temporary file) and read what it holds."""
    name = PurePosixPath(httpx.URL(url).path).name or "download"
    with tempfile.TemporaryDirectory() as directory:
        target = Path(directory) / name
        with target.open("wb") as handle:
            _download(client, url, handle, progress)
        if name.lower().endswith(ARCHIVE_SUFFIXES) or zipfile.is_zipfile(target):
            return from_archive(target, states)
        found = SourceFiles()
        content = target.read_bytes()
        kind = classify(name, content[:200])
        if kind is None:
            raise SourceError(f"{url}: not a recognised officials file")
        found.add(kind, name, content)
        return found


def _download(client: httpx.Client, url: str, handle: IO[bytes], progress: Progress | None) -> None:
    try:
        with client.stream("GET", url, follow_redirects=True) as response:
            if response.status_code != 200:
                raise SourceError(f"{url}: the server answered HTTP {response.status_code}")
            total = int(response.headers.get("content-length", 0)) or None
            done = 0
            for chunk in response.iter_bytes(1 << 16):
                handle.write(chunk)
                done += len(chunk)
                if progress:
                    progress(f"download {PurePosixPath(url).name}", done, total)
    except httpx.HTTPError as error:
        raise SourceError(f"{url}: download failed ({type(error).__name__}: {error})") from None


def gather(
    locations: list[str],
    client: httpx.Client,
    states: set[str] | None = None,
    progress: Progress | None = None,
) -> SourceFiles:
    """Every recognised file at these locations (URLs, directories, files or archives)."""
    found = SourceFiles()
    for location in locations:
        if re.match(r"https?://", location):
            found.extend(from_url(client, location, states, progress))
            continue
        path = Path(location).expanduser()
        if path.is_dir():
            found.extend(from_directory(path, states))
        elif path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES):
            found.extend(from_archive(path, states))
        elif path.is_file():
            content = path.read_bytes()
            kind = classify(path.name, content[:200])
            if kind is None:
                raise SourceError(f"{location}: not a recognised officials file")
            found.add(kind, path.name, content)
        else:
            raise SourceError(f"{location}: no such file or directory")
    return found
