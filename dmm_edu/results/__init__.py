"""Saved experiment results: arrays, metrics and the provenance that says where they came from.

An experiment runs once and saves a result; every number, figure and animation of the book is
drawn from it. A result folder holds `metrics.json` (metrics, config, provenance, content hash)
and `arrays.npz`; the content hash covers all of them, so a result whose numbers, arrays, code hash
or versions were edited after saving fails to load. Nothing is lost and nothing is left half-done:

- the output folder is checked and proven writable before an experiment runs (`prepare_out_dir`);
- a new result is written into a hidden sibling folder and put in place by renames: a fresh folder
  in one rename; into an earlier result, only `metrics.json` and `arrays.npz` are swapped (the old
  pair moved aside first, `metrics.json` out first and in last), so the user's other files there
  (figures drawn by `dmm-edu plot`, notes) stay;
- a crash at any point is undone by the next save or load (`recover`): the earlier result comes
  back unless the new one had landed whole;
- a folder holding files that are not a result is never written into, nor one holding another
  experiment's (or profile's, or seed's) result unless `force`;
- every read or format failure of a result folder is one `CorruptResultError` naming the folder
  and how to fix it; `run_cached` recomputes such an entry.

An `out` that is a symbolic link to a folder is written through (into its target). Folders and
files are created with the process's umask, like any file the user makes.

The package: `record` (the Result and its hash), `code` (what a result depends on), `load` (reading a
folder back) and `save` (writing one safely).
"""

from dmm_edu.results.code import PACKAGE, RUNNER, code_files, code_hash, provenance
from dmm_edu.results.load import is_result_dir, load_result
from dmm_edu.results.record import (
    ARRAYS_FILE,
    FORMAT,
    FORMAT_PREFIX,
    METRICS_FILE,
    RECORD_KEYS,
    RESULT_FILES,
    VOLATILE_PROVENANCE,
    CorruptResultError,
    OutputFolderError,
    Result,
    as_json,
)
from dmm_edu.results.save import prepare_folder, prepare_out_dir, recover, save_result

__all__ = ["ARRAYS_FILE", "FORMAT", "FORMAT_PREFIX", "METRICS_FILE", "PACKAGE", "RECORD_KEYS", "RESULT_FILES", "RUNNER",
           "VOLATILE_PROVENANCE", "CorruptResultError", "OutputFolderError", "Result", "as_json", "code_files",
           "code_hash", "is_result_dir", "load_result", "prepare_folder", "prepare_out_dir", "provenance", "recover",
           "save_result"]
