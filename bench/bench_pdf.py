"""Benchmark of the agreement PDF export: render and seal a realistic document N times, and serve it from storage.

    uv run python bench/bench_pdf.py [N]

Uses the embedded-default seal in a temporary MEDIA_ROOT, so it writes nothing into the project.
The first round (imports, font loading, key creation) is reported separately from the medians. The sealed PDF is
then saved once in the default storage (a temporary MEDIA_ROOT; a bucket when AWS_STORAGE_BUCKET_NAME is set) and
served N times the way the PDF page does (`storage.open` into a FileResponse, every chunk read; no HTTP, no access
check): the ratio of rendering and sealing to serving is why the signed PDF is stored rather than rendered on each
request. The figures are also written to bench/results/pdf.json.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.settings")


def main(rounds: int) -> None:
    import logging

    import django

    django.setup()
    # WeasyPrint reports every layout step at INFO, which would drown the figures.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)

    from django.conf import settings

    from agreements import sealing
    from agreements.pdf import example_document, render_agreement_pdf

    with tempfile.TemporaryDirectory() as media:
        settings.MEDIA_ROOT = Path(media)
        settings.PDF_SEAL_KEY_FILE = settings.PDF_SEAL_CERT_FILE = None
        sealing.clear_seal_cache()
        doc = example_document("ja", kpi_count=10, value_count=9)
        assert len(doc.kpis) == 10 and len(doc.values) == 9 and len(doc.events) == 6

        started = time.perf_counter()
        first_pdf = sealing.seal_pdf(render_agreement_pdf(doc))
        first_round = time.perf_counter() - started
        assert sealing.verify_seal(first_pdf).valid

        render_times, seal_times, verify_times, sizes = [], [], [], []
        for _ in range(rounds):
            t0 = time.perf_counter()
            pdf = render_agreement_pdf(doc)
            t1 = time.perf_counter()
            sealed = sealing.seal_pdf(pdf)
            t2 = time.perf_counter()
            sealing.verify_seal(sealed)
            t3 = time.perf_counter()
            render_times.append(t1 - t0)
            seal_times.append(t2 - t1)
            verify_times.append(t3 - t2)
            sizes.append(len(sealed))

        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage
        from django.http import FileResponse

        name = default_storage.save("bench/agreement.pdf", ContentFile(sealed))
        serve_times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            response = FileResponse(default_storage.open(name, "rb"), content_type="application/pdf")
            served = b"".join(response.streaming_content)
            response.close()
            serve_times.append(time.perf_counter() - t0)
            assert served == sealed
        default_storage.delete(name)

    def ms(values):
        low, high = min(values) * 1000, max(values) * 1000
        return f"{statistics.median(values) * 1000:8.1f} ms (min {low:.1f}, max {high:.1f})"

    print(f"rounds:          {rounds} (10 KPIs, 9 values, 6 events; first round {first_round * 1000:.0f} ms)")
    print(f"render (median): {ms(render_times)}")
    print(f"seal (median):   {ms(seal_times)}")
    print(f"verify (median): {ms(verify_times)}")
    print(f"sealed PDF size: {statistics.median(sizes) / 1024:8.1f} KiB")
    print(f"serve (median):  {ms(serve_times)} from {type(default_storage._wrapped).__name__}")
    produce = statistics.median(render_times) + statistics.median(seal_times)
    ratio = produce / statistics.median(serve_times)
    print(f"render + seal / serve: {ratio:,.0f} x")

    import json
    import os
    import platform

    out = ROOT / "bench" / "results" / "pdf.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "benchmark": "pdf",
                "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
                "rounds": rounds,
                "first_round_ms": round(first_round * 1000, 1),
                "render_ms": round(statistics.median(render_times) * 1000, 1),
                "seal_ms": round(statistics.median(seal_times) * 1000, 1),
                "verify_ms": round(statistics.median(verify_times) * 1000, 1),
                "size_kib": round(statistics.median(sizes) / 1024, 1),
                "serve_ms": round(statistics.median(serve_times) * 1000, 3),
                "storage": type(default_storage._wrapped).__name__,
                "render_and_seal_to_serve_ratio": round(ratio),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
