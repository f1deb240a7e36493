"""Benchmark of the agreement PDF export: render and seal a realistic document N times.

    uv run python bench/bench_pdf.py [N]

Uses the embedded-default seal in a temporary MEDIA_ROOT, so it writes nothing into the project.
The first round (imports, font loading, key creation) is reported separately from the medians.
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

    def ms(values):
        low, high = min(values) * 1000, max(values) * 1000
        return f"{statistics.median(values) * 1000:8.1f} ms (min {low:.1f}, max {high:.1f})"

    print(f"rounds:          {rounds} (10 KPIs, 9 values, 6 events; first round {first_round * 1000:.0f} ms)")
    print(f"render (median): {ms(render_times)}")
    print(f"seal (median):   {ms(seal_times)}")
    print(f"verify (median): {ms(verify_times)}")
    print(f"sealed PDF size: {statistics.median(sizes) / 1024:8.1f} KiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
