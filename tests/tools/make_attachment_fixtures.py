#!/usr/bin/python3
"""Writes the attachment files tests/unit/extract/ reads, each made by a library nobody on this
project wrote: python-docx, openpyxl, odfpy and reportlab (Debian: python3-docx,
python3-openpyxl, python3-odf, python3-reportlab), and two hostile ones by hand (a zip bomb, a
PDF with a broken cross-reference table; the 10,000-page PDF is made by the test itself). Run once; the files are checked in.

    tests/tools/make_attachment_fixtures.py tests/data/attachments
"""
import io
import os
import sys
import zipfile


def docx(path):
    import docx as pydocx
    d = pydocx.Document()
    d.add_heading("Quarterly report", 0)
    d.add_paragraph("The word zanzibarite appears only in this document.")
    t = d.add_table(rows=1, cols=2)
    t.rows[0].cells[0].text = "Grüße"
    t.rows[0].cells[1].text = "Köln"
    d.sections[0].footer.paragraphs[0].text = "footerword"
    d.save(path)


def xlsx(path):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "quarterlyxlsxword"
    ws["B2"] = "second cell"
    ws["C3"] = 42
    wb.save(path)


def pptx_by_hand(path):
    # No python-pptx in Debian 12: a minimal presentation with the OOXML slide XML as
    # PowerPoint writes it (ECMA-376 part 1, PresentationML).
    slide = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
             'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main">'
             '<p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>slide{n} word</a:t></a:r></a:p>'
             '</p:txBody></p:sp></p:spTree></p:cSld></p:sld>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        for n in (1, 2, 10):
            z.writestr(f"ppt/slides/slide{n}.xml", slide.format(n=n))


def odt(path):
    from odf.opendocument import OpenDocumentText
    from odf.text import P, H
    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text="Minutes"))
    doc.text.addElement(P(text="The word odtonlyword is here."))
    doc.text.addElement(P(text="Second paragraph"))
    doc.save(path)


def pdf(path, words):
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(path)
    for i, w in enumerate(words):
        c.drawString(72, 720, w)
        c.showPage()
    c.save()


def zip_bomb(path):
    # One member that inflates to 128 MiB; DEFLATE keeps it about 130 KB.
    z = zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9)
    with z.open("word/document.xml", "w", force_zip64=True) as f:
        f.write(b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body><w:p><w:t>')
        chunk = b"a" * (1 << 20)
        for _ in range(128):
            f.write(chunk)
        f.write(b"</w:t></w:p></w:body></w:document>")
    z.close()


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    docx(os.path.join(d, "report.docx"))
    xlsx(os.path.join(d, "sheet.xlsx"))
    pptx_by_hand(os.path.join(d, "slides.pptx"))
    odt(os.path.join(d, "minutes.odt"))
    pdf(os.path.join(d, "invoice.pdf"), ["pdfonlyword on page one", "and secondpageword"])
    zip_bomb(os.path.join(d, "bomb.docx"))
    with open(os.path.join(d, "corrupt.pdf"), "wb") as f:
        f.write(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\n"
                b"xref\n0 1\n9999999999 65535 f \ntrailer << /Root 1 0 R >>\n"
                b"startxref\n999999\n%%EOF\n")


if __name__ == "__main__":
    main()
