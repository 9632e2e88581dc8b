"""Generate the binary sample articles (PDF and DOCX) in ``examples/corpus/``.

The sample corpus is otherwise plain text (Markdown, HTML, TXT). Two articles
are stored as binary documents so that the PDF and DOCX loaders are exercised
by demos and tests. Their text lives in this script so that the binaries can
be regenerated reproducibly:

    .venv/bin/python examples/make_binary_samples.py

Outputs:

* ``corpus/calder-port-strike.pdf``: two pages (fpdf2, core Helvetica font,
  so the text is restricted to Latin-1), with title and author metadata and a
  page number in the footer. The page break is fixed so that questions can
  cite page 1 or page 2.
* ``corpus/aldermoor-chess-open.docx``: python-docx document with core
  properties (title, author), a heading and body paragraphs.

All people, places and organisations in both articles are invented.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from docx import Document
from fpdf import FPDF

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"

# Fixed timestamp so that regenerated files differ only if the text changes.
FIXED_DATE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

PORT_STRIKE_TITLE = "Dockworkers at Port of Calder begin 72-hour strike over pay"
PORT_STRIKE_AUTHOR = "Niamh Doyle"
PORT_STRIKE_DATE = "9 June 2025"

# One string per PDF page; paragraphs are separated by blank lines.
PORT_STRIKE_PAGES = (
    """
Thousands of dockworkers at the Port of Calder walked out at 06:00 on Monday
9 June 2025, starting a 72-hour strike that has brought container traffic at
one of the country's busiest ports almost to a halt.

The strike involves about 2,300 members of the Dock and Harbour Workers'
Union, who are demanding a pay rise of 11 per cent to make up for two years
of high inflation. The port's operator, the Calder Port Authority, has
offered 5.5 per cent, spread over eighteen months.

By mid-morning, 27 container ships were waiting at anchor outside the
harbour, and lorries were queuing for several kilometres on the approach
road. The port handles about 1.9 million containers a year, including most
of the region's fruit and car imports.

Sean Gallagher, general secretary of the union, said his members had been
left with no choice. "Our members kept this port running through the
pandemic and through every storm since," he told strikers at the main gate.
"They are asking for a wage that keeps up with the price of food and rent.
That is not greed; that is survival."

Gallagher said the union would announce a further five-day strike starting
on 23 June if no improved offer was put on the table by the end of the week.
""",
    """
Ingrid Bakker, chief executive of the Calder Port Authority, said the offer
was fair and the most the port could afford. "An 11 per cent rise would put
the port's investment plans at risk, including the new deep-water berth,"
she said. "Our door remains open and we want talks to resume immediately."

The authority said it had asked the national conciliation service, Arbitra,
to arrange talks between the two sides. A spokesperson for Arbitra confirmed
that both parties had agreed to meet on Wednesday.

Business groups warned that the dispute could hit the wider economy. The
Calder Chamber of Commerce estimated that each day of the strike would cost
the regional economy about 45 million pounds in delayed goods, idle lorries
and lost orders.

Shipping lines have begun diverting some vessels to the smaller port of
Wrenhaven, 80 kilometres along the coast, but it can only take about a
quarter of Calder's usual traffic.

It is the first strike at the port since 2011, when a dispute over shift
patterns led to a two-day stoppage.
""",
)

CHESS_TITLE = "Fifteen-year-old Lena Hartmann wins Aldermoor International Open"
CHESS_AUTHOR = "Rafael Mendes"
CHESS_DATE = "24 August 2025"

CHESS_TEXT = """
Lena Hartmann, a 15-year-old schoolgirl from Graustadt, won the Aldermoor
International Open on Sunday 24 August 2025, finishing ahead of eleven
grandmasters in one of the strongest open tournaments of the summer.

Hartmann scored 7.5 points from nine rounds, half a point clear of a group
of four players on seven points. The tournament drew 148 players from 23
countries to the town's Assembly Rooms.

Her decisive win came in round eight, when she beat the top seed,
grandmaster Viktor Antonescu, with the black pieces in a sharp Sicilian
Defence that lasted 61 moves. In the final round she needed only a draw, and
she agreed one after 28 moves against international master Oskar Lindahl.

"I did not come here to win. I came to play good games," Hartmann said after
the closing ceremony. "Against Antonescu I was worse for a long time, but I
kept finding moves. When he ran short of time, I knew I had chances."

The result earned her a first-place prize of 10,000 euros and her first
grandmaster norm. Players need three norms, along with a rating of 2500, to
be awarded the grandmaster title. Hartmann's rating is expected to rise to
about 2430 when the next list is published.

Her coach, Pieter van Daal, who has worked with her since she was nine, said
she had been preparing for the event for three months. "Lena is calm at the
board in a way that is unusual at her age," he said. "She does not panic
when a position goes wrong."

Antonescu, 34, was gracious in defeat. "She played the endgame better than I
did. She deserved to win the game and the tournament," he said.

Hartmann, who started playing at the age of six after finding a chess set in
her grandmother's attic, said she would now focus on the national
championship in November. She plans to keep attending school full-time.

Tournament director Sabine Roth said entries had risen by a third compared
with last year and that next year's event would move to a larger venue.
"""


def paragraphs(text: str) -> list[str]:
    """Split a blank-line separated block into paragraphs, unwrapping lines."""
    return [" ".join(block.split()) for block in text.strip().split("\n\n")]


class _ArticlePDF(FPDF):
    """FPDF subclass that prints a running header and a page-number footer."""

    def header(self) -> None:
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 8, "Calder Maritime Review (sample corpus)", align="R")
        self.ln(10)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")


def write_pdf(path: Path) -> None:
    """Write the port-strike article as a two-page PDF (one page per block)."""
    pdf = _ArticlePDF(format="A4")
    pdf.set_title(PORT_STRIKE_TITLE)
    pdf.set_author(PORT_STRIKE_AUTHOR)
    pdf.set_subject("Sample news article for the RAG demo corpus")
    pdf.set_creator("examples/make_binary_samples.py")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)

    for page_index, page_text in enumerate(PORT_STRIKE_PAGES):
        pdf.add_page()
        if page_index == 0:
            pdf.set_font("Helvetica", "B", 16)
            pdf.multi_cell(0, 8, PORT_STRIKE_TITLE, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
            pdf.set_font("Helvetica", "", 10)
            byline = f"By {PORT_STRIKE_AUTHOR} - {PORT_STRIKE_DATE}"
            pdf.multi_cell(0, 6, byline, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        pdf.set_font("Helvetica", "", 11)
        for paragraph in paragraphs(page_text):
            pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)

    pdf.output(str(path))


def write_docx(path: Path) -> None:
    """Write the chess article as a DOCX with title/author core properties."""
    document = Document()
    props = document.core_properties
    props.title = CHESS_TITLE
    props.author = CHESS_AUTHOR
    props.last_modified_by = CHESS_AUTHOR
    props.subject = "Sample news article for the RAG demo corpus"
    props.created = FIXED_DATE.replace(tzinfo=None)
    props.modified = FIXED_DATE.replace(tzinfo=None)

    document.add_heading(CHESS_TITLE, level=1)
    document.add_paragraph(f"By {CHESS_AUTHOR}, {CHESS_DATE}")
    for paragraph in paragraphs(CHESS_TEXT):
        document.add_paragraph(paragraph)
    document.save(str(path))
    _normalise_zip_timestamps(path)


def _normalise_zip_timestamps(path: Path) -> None:
    """Rewrite a DOCX (zip) with fixed entry timestamps so output is stable."""
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    stamp = FIXED_DATE.timetuple()[:6]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, data)


def main() -> None:
    """Generate both binary samples into ``examples/corpus/``."""
    CORPUS_DIR.mkdir(parents=True, exist_ok=True)
    pdf_path = CORPUS_DIR / "calder-port-strike.pdf"
    docx_path = CORPUS_DIR / "aldermoor-chess-open.docx"
    write_pdf(pdf_path)
    write_docx(docx_path)
    print(f"wrote {pdf_path}")
    print(f"wrote {docx_path}")


if __name__ == "__main__":
    main()
