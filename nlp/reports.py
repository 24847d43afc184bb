"""Loading many reports with bad-file reporting: the one loop every command shares.

A file that cannot be read (missing, unreadable, empty, corrupt, encrypted, scanned, an
oversized line, or an unforeseen error) is reported and skipped; the good files are
processed. Commands return a non-zero exit when anything was skipped.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, TextIO

from .errors import InputError, RapportError
from .model import Document


@dataclass
class Skipped:
    path: Path
    reason: str


@dataclass
class ReportLoader:
    """Iterate the documents of files and folders; ``skipped`` lists what was not read.

    >>> loader = ReportLoader(["corpora/"])        # doctest: +SKIP
    >>> for document in loader: ...                # doctest: +SKIP
    >>> loader.skipped                             # doctest: +SKIP
    """

    paths: Iterable[str | Path]
    manifest: object | None = None
    stream: TextIO | None = field(default=None, repr=False)
    progress: Callable[[int, int, Path], None] | None = None
    skipped: list[Skipped] = field(default_factory=list)
    require_files: bool = True
    ocr: str = "auto"  # pages without a text layer: "auto" OCRs them, "always" every page, "never" none
    _files: list[Path] | None = field(default=None, init=False, repr=False)

    def files(self) -> list[Path]:
        """The report files under ``paths`` (found once, however often asked)."""
        from .ingest import iter_report_files

        if self._files is None:
            self._files = iter_report_files(list(self.paths))
        if not self._files and self.require_files:
            raise InputError("no report files (.pdf, .docx, .html, .txt) found in " + ", ".join(map(str, self.paths)) + ".")
        return self._files

    def skip(self, path: Path, reason: str) -> None:
        self.skipped.append(Skipped(path, reason))
        stream = self.stream or sys.stderr
        # messages from ingest start with the path already
        stream.write(f"rapport: skipped {reason if reason.startswith(str(path)) else f'{path}: {reason}'}\n")
        stream.flush()

    def __iter__(self) -> Iterator[Document]:
        from .ingest import load_document

        files = self.files()
        for n, path in enumerate(files, start=1):
            if self.progress:
                self.progress(n, len(files), path)
            try:
                document = load_document(path, self.manifest, ocr=self.ocr)  # type: ignore[arg-type]
            except RapportError as exc:
                self.skip(path, str(exc))
                continue
            except (MemoryError, RecursionError) as exc:
                self.skip(path, f"too large to read ({type(exc).__name__})")
                continue
            except Exception as exc:  # noqa: BLE001 - one unforeseen file must not stop the others
                self.skip(path, f"unexpected error ({type(exc).__name__}: {exc})")
                continue
            yield document

    def load(self) -> list[Document]:
        return list(self)

    @property
    def exit_code(self) -> int:
        return 1 if self.skipped else 0
