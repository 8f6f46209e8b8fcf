"""FT0xx: reading JSON and YAML. Each odd input is either accepted with a defined meaning or reported."""

from ftspec.compiler.diagnostics import define

PARSE_ERROR = define(
    "FT001", "parse-error", "error",
    "The file is not valid JSON or YAML.",
    "cannot parse {format}: {reason}",
    old="nirs4all raised a parser exception with a traceback when the pipeline was loaded.",
    now="The file is not compiled; no IR is produced for it and the other files are still processed.",
    fix="Fix the syntax at the reported line and column.",
)
DUPLICATE_KEY = define(
    "FT002", "duplicate-key", "error",
    "A key appears twice in the same mapping.",
    "duplicate key {key!r} (first at line {first_line}): the last value wins",
    old="json.load and PyYAML keep the last value without a word; the first one is silently lost.",
    now="The last value is used, as before, and the file is an error until one of them is removed.",
    fix="Delete the entry you did not mean.",
)
NON_FINITE_NUMBER = define(
    "FT003", "non-finite-number", "error",
    "NaN or Infinity is not a valid configuration value.",
    "non-finite number {text}: not allowed in a config",
    old="Python's json accepted NaN and Infinity (not valid JSON) and YAML accepts .nan/.inf; they reached Optuna as bounds.",
    now="The value is read as the float it names, and the file is an error.",
    fix="Write a finite number.",
)
NON_STRING_KEY = define(
    "FT004", "non-string-key", "error",
    "A YAML mapping key is not a string.",
    "key {key!r} is a {type}, not a string",
    old="PyYAML kept non-string keys (1, true, null); nirs4all then looked them up as strings and never found them.",
    now="The key is read as its string form and the file is an error.",
    fix="Quote the key.",
)
YAML_TAG = define(
    "FT005", "yaml-tag", "error",
    "An explicit YAML tag other than the standard scalar tags.",
    "YAML tag {tag} is not allowed: nothing is constructed from tags",
    old="An unsafe YAML loader would construct Python objects (or run code) from tags such as !!python/object.",
    now="ftspec never constructs anything from a tag: the value is read as plain data (its scalar text, or the "
    "mapping or sequence under the tag) and the file is an error. The standard tags !!str, !!int, !!float, "
    "!!bool, !!null, !!map, !!seq are accepted with their YAML meaning.",
    fix="Remove the tag.",
)
YAML_ALIAS = define(
    "FT006", "yaml-alias", "warning",
    "A YAML alias (*name) repeats an anchored node.",
    "alias *{anchor} repeats the node anchored at line {anchor_line}",
    old="PyYAML expanded aliases; a config full of nested aliases (a 'billion laughs' document) could exhaust memory.",
    now="The alias means a copy of the anchored node. Expansion is bounded: a document that would expand past "
    "the node budget is refused with FT007.",
    fix="Write the value out where it is used, so that each place can be edited on its own.",
)
DOCUMENT_TOO_LARGE = define(
    "FT007", "document-too-large", "error",
    "The document is too large, too deep or expands too much.",
    "document refused: {reason}",
    old="Deep or huge documents made the loader recurse until Python's stack or memory gave out.",
    now="The file is refused before it is built; other files are still processed.",
    fix="Split the document, or remove the aliases that multiply it.",
)
BYTE_ORDER_MARK = define(
    "FT008", "byte-order-mark", "info",
    "The file starts with a UTF-8 byte-order mark.",
    "UTF-8 byte-order mark ignored",
    old="json.load raised 'Unexpected UTF-8 BOM' on such a file; YAML loaders skipped it.",
    now="The mark is skipped and the file is read normally; columns on line 1 do not count it.",
    fix="Save the file as UTF-8 without BOM.",
)
TAB_INDENTATION = define(
    "FT009", "tab-indentation", "error",
    "A tab is used for YAML indentation.",
    "tab character used for indentation",
    old="YAML forbids tabs in indentation; the loader failed with a scanner error.",
    now="The file is not compiled.",
    fix="Indent with spaces.",
)
NOT_UTF8 = define(
    "FT010", "not-utf8", "error",
    "The file is not valid UTF-8 text.",
    "not UTF-8 text: {reason}",
    old="The loader raised UnicodeDecodeError.",
    now="The file is not compiled.",
    fix="Save the file as UTF-8.",
)
MULTIPLE_DOCUMENTS = define(
    "FT011", "multiple-documents", "error",
    "A YAML file holds more than one document.",
    "YAML stream holds {count} documents; only the first is compiled",
    old="yaml.safe_load raised 'expected a single document in the stream'.",
    now="The first document is compiled and the file is an error.",
    fix="Keep one document per file.",
)
UNREADABLE_FILE = define(
    "FT012", "unreadable-file", "error",
    "The path cannot be read as a file.",
    "cannot read {path}: {reason}",
    old="A traceback.",
    now="The path is reported and skipped (exit code 2); the other files are still processed.",
    fix="Check the path and its permissions.",
)
EMPTY_DOCUMENT = define(
    "FT013", "empty-document", "warning",
    "The file holds no document.",
    "empty document: nothing to compile",
    old="yaml.safe_load returned None and nirs4all failed later on a missing pipeline.",
    now="No study is produced.",
    fix="Delete the file or add the pipeline.",
)
YAML_VERSION_SCALAR = define(
    "FT014", "yaml-version-scalar", "warning",
    "A plain YAML scalar whose type differs between YAML 1.1 (PyYAML, nirs4all) and YAML 1.2.",
    "{text!r} is {yaml12} in YAML 1.2 but {yaml11} for YAML 1.1 loaders such as nirs4all's; read as {yaml12}",
    old="nirs4all loaded YAML with PyYAML (YAML 1.1): `yes`/`no`/`on`/`off` were booleans, `1e-3` (no dot) "
    "was a string, `010` was octal 8, `1:30` was 90.",
    now="ftspec reads YAML 1.2 (the current standard): the value has the type shown in the message.",
    fix="Write the value unambiguously: quote a string, write `true`/`false`, or `1.0e-3` for a float.",
    fixable="safe",
)
