"""`python -m classifier train | evaluate | predict | bench | compare | versions | promote | rollback`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import BinaryIO, TextIO

PREDICT_BATCH = 256
ERRORS = {
    "utf8": "UTF-8 として読み取れない行です",
    "json": "JSON として解釈できない行です",
    "blank": "空行です（1 行に 1 件の JSON を書いてください）",
    "object": "JSON オブジェクト（{\"id\": …, \"text\": …}）ではありません",
    "text": "text（本文）が文字列で指定されていません",
    "empty": "本文が空です",
    "failed": "この行の予測中にエラーが発生しました",
}


def main(argv: list[str] | None = None) -> int:
    """Run one command; a bad input file or database gets one line on stderr and exit status 2."""
    from .artifacts import ArtifactError
    from .config import ConfigError
    from .corpus import CorpusError
    from .staff import StaffLabelsError

    parser = _parser()
    args = parser.parse_args(argv)
    if args.model_dir:
        from .config import configure

        configure(args.model_dir)
    try:
        return args.handler(args)
    except (ArtifactError, ConfigError, CorpusError, StaffLabelsError) as error:
        return _fail(str(error))
    except UnicodeDecodeError:
        return _fail("UTF-8 として読み取れないファイルです")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as error:
        return _fail(f"ファイルを開けません: {error.filename} ({error.strerror})")


def _positive(convert, message: str):
    """An argparse type: `convert`ed values above 0 (and finite); anything else gets `message`."""
    def parse(value: str):
        try:
            number = convert(value)
        except ValueError:
            number = 0
        if not 0 < number < float("inf"):
            raise argparse.ArgumentTypeError(f"{message}（{value!r}）")
        return number
    return parse


_positive_int = _positive(int, "1 以上の整数を指定してください")
_positive_float = _positive(float, "0 より大きい数を指定してください")


def _fail(message: str) -> int:
    print(f"エラー: {message}", file=sys.stderr)
    return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m classifier", description="みらいボイス classifier")
    parser.add_argument("--model-dir", help="artifact directory (default: $MIRAI_MODEL_DIR or instance/models)")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a version from the corpus (+ staff labels) and activate it")
    train.add_argument("--database-url", help="also learn from staff-confirmed voices in this database")
    train.add_argument("--extra", action="append", default=[], metavar="FILE.jsonl",
                       help="extra labelled examples (text, section, voice_type, measures)")
    train.add_argument("--extra-weight", type=_positive_float, default=2.0, help="sample weight of extra examples")
    train.add_argument("--promote", choices=("auto", "always", "never"), default="auto",
                       help="auto: activate unless worse than the active version on the held-out slice")
    train.add_argument("--corpus-dir", help="corpus directory (default: $MIRAI_CORPUS_DIR or the shipped corpus)")
    train.add_argument("--json", action="store_true", help="print the metrics as JSON")
    train.set_defaults(handler=_train)

    evaluate = commands.add_parser("evaluate", help="metrics of the active model on labelled voices")
    evaluate.add_argument("file", nargs="?", help="JSONL with text, section, optional measures, voice_type, "
                                                  "alt_sections")
    evaluate.add_argument("--split", choices=("test",), help="evaluate on the corpus' fixed test split")
    evaluate.add_argument("--version", help="evaluate this version instead of the active one")
    evaluate.add_argument("--json", action="store_true")
    evaluate.set_defaults(handler=_evaluate)

    robustness = commands.add_parser("robustness", help="metrics of the active model on labelled voices as written "
                                                        "and rewritten as citizens might (kana, slips, …)")
    robustness.add_argument("file", nargs="?", help="JSONL as for evaluate")
    robustness.add_argument("--split", choices=("test",), help="use the corpus' fixed test split")
    robustness.add_argument("--version", help="use this version instead of the active one")
    robustness.add_argument("--seed", type=int, default=0, help="seed of the rewriting (default 0)")
    robustness.add_argument("--json", action="store_true")
    robustness.set_defaults(handler=_robustness)

    predict = commands.add_parser("predict", help='JSON lines {"id","text"} on stdin → predictions on stdout')
    predict.set_defaults(handler=_predict)

    bench = commands.add_parser("bench", help="tokenization vs full prediction throughput, latency")
    bench.add_argument("-n", type=_positive_int, default=1000, help="number of synthesized texts")
    bench.add_argument("--repeats", type=_positive_int, default=5)
    bench.add_argument("--json", action="store_true")
    bench.set_defaults(handler=_bench)

    compare = commands.add_parser("compare", help="cross-validated comparison of tokenizers and pipelines")
    compare.add_argument("what", nargs="?", default="all",
                         choices=("tokenizers", "pipelines", "types", "measures", "lexicon", "learning-curve",
                                  "robustness", "all"))
    compare.set_defaults(handler=_compare)

    kana_index = commands.add_parser("kana-index", help="rebuild data/kana_index.tsv from the corpus' train split "
                                                        "and the lexicon (after the corpus changes)")
    kana_index.add_argument("--corpus-dir", help="corpus directory (default: the shipped corpus)")
    kana_index.add_argument("--output", help="file to write (default: the shipped data/kana_index.tsv)")
    kana_index.set_defaults(handler=_kana_index)

    versions = commands.add_parser("versions", help="list saved versions")
    versions.set_defaults(handler=_versions)
    promote = commands.add_parser("promote", help="activate a saved version")
    promote.add_argument("version")
    promote.set_defaults(handler=_promote)
    rollback = commands.add_parser("rollback", help="re-activate the previously active version")
    rollback.set_defaults(handler=_rollback)
    return parser


def _train(args) -> int:
    from .corpus import read_jsonl
    from .evaluation import format_report
    from .training import train

    extras = [example for path in args.extra for example in read_jsonl(path, strict=False)]
    result = train(extra_examples=extras, extra_weight=args.extra_weight, database_url=args.database_url,
                   corpus_dir=args.corpus_dir, promote=args.promote)
    if args.json:
        print(json.dumps({"version": result.version, "promoted": result.promoted, "decision": result.decision,
                          "metrics": result.metrics}, ensure_ascii=False, indent=2))
        return 0
    cv = result.metrics["cv"]
    section = cv["section"]
    print(f"version {result.version}  ({result.decision})")
    print(f"cross-validated on the train split ({cv['folds']} folds):")
    print(f"  課 top-1 {section['top1']:.4f}  top-3 {section['top3']:.4f}  macro-F1 {section['macro_f1']:.4f}  "
          f"部 {section['bu_accuracy']:.4f}  ECE {section['ece']:.4f}")
    print(f"  voice type accuracy {cv['voice_type_accuracy']:.4f}  measures micro-F1 {cv['measures_micro_f1']:.4f}")
    print(format_report(result.metrics["heldout"], "held-out slice (fixed test split):"))
    print(f"trained in {result.metrics['train_seconds']:.1f} s")
    return 0


def _model_and_examples(args):
    """(version, model, examples, source) for `evaluate`/`robustness`: the active model (or --version) and
    FILE.jsonl or --split test; None after saying that neither or both were given."""
    from . import artifacts
    from .corpus import CorpusError, load_corpus, read_jsonl, split
    from .predictor import ensure_model

    if bool(args.file) == bool(args.split):
        _fail("FILE.jsonl か --split test のどちらか一方を指定してください")
        return None
    examples = split(load_corpus())[1] if args.split else read_jsonl(args.file, strict=False)
    if not examples:
        raise CorpusError(f"{Path(args.file).name}: 評価する行がありません（1 行に 1 件の JSON を書いてください）")
    version = args.version or ensure_model()
    model, _ = artifacts.load(version)
    return version, model, examples, "corpus test split" if args.split else args.file


def _evaluate(args) -> int:
    from .evaluation import evaluate_model, format_report

    if (loaded := _model_and_examples(args)) is None:
        return 2
    version, model, examples, source = loaded
    result = evaluate_model(model, version, examples)
    if args.json:
        print(json.dumps({"version": version, **result}, ensure_ascii=False, indent=2))
    else:
        print(format_report(result, f"model {version} on {source}:"))
    return 0


def _robustness(args) -> int:
    from .robustness import format_robustness, robustness_report

    if (loaded := _model_and_examples(args)) is None:
        return 2
    version, model, examples, source = loaded
    rows = robustness_report(model, version, examples, seed=args.seed)
    if args.json:
        print(json.dumps({"version": version, "seed": args.seed, "rows": rows}, ensure_ascii=False, indent=2))
    else:
        print(format_robustness(rows, f"model {version} on {source}, rewritten with seed {args.seed}:"))
    return 0


def _predict(args) -> int:
    return run_predict(sys.stdin.buffer, sys.stdout)


def run_predict(source: BinaryIO, out: TextIO) -> int:
    """Answer every input line with one output line, in order; a bad line gets an error, not a crash."""
    from .predictor import ensure_model

    ensure_model()
    batch: list[tuple[object, str | None, str | None]] = []
    for raw in source:
        batch.append(_parse_line(raw))
        if len(batch) >= PREDICT_BATCH:
            _answer(batch, out)
            batch = []
    _answer(batch, out)
    return 0


def _parse_line(raw: bytes) -> tuple[object, str | None, str | None]:
    """(id, text, error) for one input line."""
    try:
        line = raw.decode("utf-8-sig")  # a file saved by Windows Notepad starts with a BOM
    except UnicodeDecodeError:
        return None, None, ERRORS["utf8"]
    if not line.strip():
        return None, None, ERRORS["blank"]
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return None, None, ERRORS["json"]
    if not isinstance(record, dict):
        return None, None, ERRORS["object"]
    voice_id, text = record.get("id"), record.get("text")
    if not isinstance(text, str):
        return voice_id, None, ERRORS["text"]
    if not text.strip():
        return voice_id, None, ERRORS["empty"]
    return voice_id, text, None


def _answer(batch, out: TextIO) -> None:
    from .predictor import predict_many

    if not batch:
        return
    texts = [text for _, text, error in batch if error is None]
    try:
        predictions = iter(predict_many(texts))
    except Exception:  # noqa: BLE001 — one poisoned text must not cost the others their answer
        predictions = iter(_predict_one_by_one(texts))
    for voice_id, _, error in batch:
        if error is None:
            prediction = next(predictions)
            line = {"id": voice_id, "error": ERRORS["failed"]} if prediction is None else {
                "id": voice_id, **prediction.to_dict()}
        else:
            line = {"id": voice_id, "error": error}
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    out.flush()


def _predict_one_by_one(texts):
    from .predictor import predict

    for text in texts:
        try:
            yield predict(text)
        except Exception:  # noqa: BLE001 — answered as an error line, the batch goes on
            yield None


def _bench(args) -> int:
    from .bench import format_bench, run_bench

    result = run_bench(n=args.n, repeats=args.repeats)
    print(json.dumps(result, indent=2) if args.json else format_bench(result))
    return 0


def _compare(args) -> int:
    from . import comparison

    tables = {"tokenizers": comparison.compare_tokenizers, "pipelines": comparison.compare_pipelines,
              "types": comparison.compare_voice_type, "measures": comparison.compare_measures,
              "lexicon": comparison.compare_lexicon, "learning-curve": comparison.compare_learning_curve,
              "robustness": comparison.compare_robustness}
    for name, table in tables.items():
        if args.what in (name, "all"):
            print(table(), flush=True)
    return 0


def _kana_index(args) -> int:
    from . import kana
    from .corpus import load_corpus, load_lexicon, split

    train, _ = split(load_corpus(args.corpus_dir))
    nouns = kana.build_index([e.text for e in train], [e.text for e in load_lexicon()])
    output = Path(args.output) if args.output else kana.INDEX_PATH
    output.write_text(kana.format_index(nouns), encoding="utf-8")
    print(f"{len(nouns)} readings written to {output}")
    return 0


def _versions(args) -> int:
    from . import artifacts

    active = artifacts.active_version()
    for version in artifacts.list_versions():
        metadata = artifacts.read_metadata(version)
        heldout = (metadata.get("metrics") or {}).get("heldout") or {}
        top1 = heldout.get("section_top1")
        mark = "*" if version == active else " "
        print(f"{mark} {version}  created {metadata.get('created_at')}  "
              f"held-out 課 top-1 {top1 if top1 is None else round(top1, 4)}  "
              f"scikit-learn {(metadata.get('libraries') or {}).get('scikit-learn')}")
    return 0


def _promote(args) -> int:
    from . import artifacts

    print(f"active: {artifacts.promote(args.version)}")
    return 0


def _rollback(args) -> int:
    from . import artifacts

    print(f"active: {artifacts.rollback()}")
    return 0
