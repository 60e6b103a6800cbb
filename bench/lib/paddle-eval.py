"""Runs PaddleOCR's DetectionIoUEvaluator (ppocr/metrics/eval_det_iou.py, loaded from the path given) on a
JSON file written by bench/lib/eval-data.js, and prints one JSON object: the set's metrics, per-image counts,
and the seconds spent evaluating, wall clock and CPU (JSON loading excluded). Used by the eval benchmarks; not part of ocrdet."""
import importlib.util
import json
import sys
import time


def load_evaluator(path):
    spec = importlib.util.spec_from_file_location("eval_det_iou", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.DetectionIoUEvaluator


def main():
    evaluator_path, data_path, iou, area_precision = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    evaluator = load_evaluator(evaluator_path)(iou_constraint=iou, area_precision_constraint=area_precision)
    with open(data_path) as f:
        images = json.load(f)["images"]
    started, cpu_started = time.perf_counter(), time.process_time()
    per_image = [evaluator.evaluate_image(image["gt"], image["pred"]) for image in images]
    metrics = evaluator.combine_results(per_image)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    json.dump({"seconds": seconds, "cpuSeconds": cpu_seconds, "metrics": metrics, "perImage": per_image}, sys.stdout)


main()
