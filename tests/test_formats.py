"""The .docx / HTML / .pdf / .csv / .xlsx readers and their defences against hostile files.

Every fixture is generated here, with invented text.  A good file must give the right
text, turns (``text[start:end]`` is exactly the speech), title and date; a bad one must
raise ImportProblem with a one-line message naming the file, never a library exception.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coder.corpus.formats import (
    READERS,
    Block,
    bold_label,
    detect_format,
    parse_blocks,
    read_file,
    safezip,
)
from coder.corpus.model import ParsedDocument
from coder.errors import ImportProblem

SHARED_REFI = Path(__file__).resolve().parents[2] / "shared" / "refi"

PRESIDENT = "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR"


# -- helpers --------------------------------------------------------------------------------

def speeches(doc: ParsedDocument) -> list[tuple[str | None, str]]:
    """(speaker, speech) for every turn, after checking the turns are inside the text."""
    doc.check()
    return [(turn.speaker, doc.text[turn.start:turn.end]) for turn in doc.turns]


def read_one(path: Path, fmt: str | None = None, **options) -> ParsedDocument:
    docs = read_file(path, fmt or detect_format(path, path.read_bytes()[:4096]), **options)
    assert len(docs) == 1
    return docs[0]


def problem(path: Path, fmt: str | None = None, **options) -> str:
    """The message of the ImportProblem reading ``path`` raises; checks it is one line."""
    fmt = fmt or detect_format(path, b"")
    with pytest.raises(ImportProblem) as caught:
        read_file(path, fmt, **options)
    message = str(caught.value)
    assert "\n" not in message
    assert path.name in message
    return message


def make_docx(path: Path, paragraphs, *, title: str | None = None,
              created: dt.datetime | None = None, table=None, heading: str | None = None) -> Path:
    """A .docx; each paragraph is a string or a list of (text, bold) runs."""
    import docx

    document = docx.Document()
    document.core_properties.title = title or ""
    if created is not None:
        document.core_properties.created = created
    if heading is not None:
        document.add_heading(heading, level=1)
    for paragraph in paragraphs:
        if isinstance(paragraph, str):
            document.add_paragraph(paragraph)
        else:
            par = document.add_paragraph()
            for text, bold in paragraph:
                par.add_run(text).bold = bold
    if table is not None:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
    document.save(str(path))
    return path


def rewrite_zip(src: Path, dst: Path, *, replace: dict[str, bytes] | None = None,
                add: dict[str, bytes] | None = None) -> Path:
    """Copy a zip, replacing and adding members."""
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def make_pdf(pages: list[list[str]], *, info: dict[str, str] | None = None) -> bytes:
    """A minimal PDF by hand: one page per list of lines, Helvetica with WinAnsi text."""
    body: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    number, kids = 4, []
    for lines in pages:
        page, content = number, number + 1
        number += 2
        kids.append(page)
        ops = [b"BT /F1 12 Tf 14 TL 72 720 Td"]
        ops += [_pdf_string(line) + b" Tj T*" for line in lines]
        stream = b"\n".join(ops + [b"ET"])
        body[page] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                      b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % content)
        body[content] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    body[2] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids)
               + b"] /Count %d >>" % len(kids))
    trailer_info = b""
    if info:
        body[number] = b"<< " + b" ".join(b"/" + key.encode() + b" " + _pdf_string(value)
                                          for key, value in info.items()) + b" >>"
        trailer_info = b" /Info %d 0 R" % number
        number += 1
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for index in range(1, number):
        offsets[index] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (index, body[index])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % number
    out += b"".join(b"%010d 00000 n \n" % offsets[index] for index in range(1, number))
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        number, trailer_info, xref)
    return bytes(out)


def encrypt_pdf(data: bytes, password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_xlsx(path: Path, rows: list[list], *, sheet: str = "Hoja1", extra_sheet=None) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    if extra_sheet is not None:
        other = workbook.create_sheet(extra_sheet[0])
        for row in extra_sheet[1]:
            other.append(row)
    workbook.save(str(path))
    return path


# -- docx -----------------------------------------------------------------------------------

TURN_PARAGRAPHS = [
    "Conferencia de prensa matutina de prueba",
    "Palacio Nacional, 14 de marzo de 2019",
    f"{PRESIDENT}: Buenos días a todas y a todos.",
    "Hoy vamos a hablar del nuevo programa de caminos rurales.",
    "INTERLOCUTORA: Gracias, presidente. ¿Cuándo empieza la obra?",
    f"{PRESIDENT}: En abril, si todo sale bien.",
]


def test_docx_colon_turns_title_and_text(tmp_path):
    path = make_docx(tmp_path / "colon.docx", TURN_PARAGRAPHS, title="Mañanera inventada")
    doc = read_one(path)
    assert doc.text == "\n".join(TURN_PARAGRAPHS)
    assert doc.title == "Mañanera inventada"
    assert doc.date == dt.date(2019, 3, 14)
    assert speeches(doc) == [
        (PRESIDENT, "Buenos días a todas y a todos.\n"
                    "Hoy vamos a hablar del nuevo programa de caminos rurales."),
        ("INTERLOCUTORA", "Gracias, presidente. ¿Cuándo empieza la obra?"),
        (PRESIDENT, "En abril, si todo sale bien."),
    ]


def test_docx_bold_speaker_lines_tables_and_no_properties_date(tmp_path):
    paragraphs = [
        [("VERSIÓN ESTENOGRÁFICA DE UNA CONFERENCIA INVENTADA", True)],  # title, not a speaker
        "Ciudad de México",
        [(PRESIDENT, True)],
        [("Empezamos con el informe. Esto es ", False), ("muy", True),
         (" importante para el país.", False)],
        "Segundo párrafo del presidente.",
        [("INTERLOCUTOR", True), ("  ", False)],
        "¿Qué opina del presupuesto?",
        [("Secretaria de Bienestar, Ana Torres Ruiz:", True), (" Le respondo yo.", False)],
        [("SECRETARIO DE MARINA", True), (": Sin novedad en los puertos.", False)],
    ]
    path = make_docx(tmp_path / "bold.docx", paragraphs,
                     created=dt.datetime(2020, 5, 6, 9, 30, tzinfo=dt.timezone.utc),
                     table=[["celda uno", "celda dos"], ["celda tres", "celda cuatro"]])
    doc = read_one(path)
    lines = doc.text.split("\n")
    assert lines[0] == "VERSIÓN ESTENOGRÁFICA DE UNA CONFERENCIA INVENTADA"
    assert lines[-4:] == ["celda uno", "celda dos", "celda tres", "celda cuatro"]
    assert "Esto es muy importante para el país." in doc.text
    assert doc.title == "VERSIÓN ESTENOGRÁFICA DE UNA CONFERENCIA INVENTADA"
    # No date in the text: the file's creation date is not the speech's, so none is taken.
    assert doc.date is None
    assert speeches(doc) == [
        (PRESIDENT, "Empezamos con el informe. Esto es muy importante para el país.\n"
                    "Segundo párrafo del presidente."),
        ("INTERLOCUTOR", "¿Qué opina del presupuesto?"),
        ("Secretaria de Bienestar, Ana Torres Ruiz", "Le respondo yo."),
        ("SECRETARIO DE MARINA", "Sin novedad en los puertos.\n"
                                 "celda uno\ncelda dos\ncelda tres\ncelda cuatro"),
    ]


def test_docx_heading_and_bold_emphasis_are_not_speakers(tmp_path):
    paragraphs = [
        "Un texto sin hablantes.",
        [("ATENCIÓN", True)],  # bold capitals alone: would be a speaker ...
        "Nada más que decir.",
    ]
    path = make_docx(tmp_path / "head.docx", paragraphs, heading="INFORME SEMANAL")
    doc = read_one(path)
    assert doc.text.startswith("INFORME SEMANAL\nUn texto sin hablantes.")
    # ... and is one; the heading (Heading 1 style) never is.
    assert [speaker for speaker, _ in speeches(doc)] == ["ATENCIÓN"]
    assert speeches(doc)[0][1] == "Nada más que decir."

    plain = read_one(make_docx(tmp_path / "plain.docx", [
        "Sin etiquetas.", [("Esto ", False), ("sí", True), (" es énfasis.", False)]]))
    assert speeches(plain) == [(None, "Sin etiquetas.\nEsto sí es énfasis.")]
    assert plain.warnings


def test_docx_bold_name_at_the_top_is_a_speaker_when_it_speaks_again(tmp_path):
    paragraphs = [[(PRESIDENT, True)], "Buenos días.", [("INTERLOCUTORA", True)], "¿Y la obra?",
                  [(PRESIDENT, True)], "Va bien."]
    doc = read_one(make_docx(tmp_path / "top.docx", paragraphs))
    assert doc.title is None
    assert speeches(doc) == [(PRESIDENT, "Buenos días."), ("INTERLOCUTORA", "¿Y la obra?"),
                             (PRESIDENT, "Va bien.")]


DOCUMENT_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>
<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>VOCERA:</w:t></w:r><w:r><w:t xml:space="preserve"> Texto </w:t></w:r>
<w:del w:id="1" w:author="x"><w:r><w:delText>borrado </w:delText></w:r></w:del>
<w:ins w:id="2" w:author="x"><w:r><w:t xml:space="preserve">insertado </w:t></w:r></w:ins>
<w:hyperlink r:id="rId99"><w:r><w:t>enlace</w:t></w:r></w:hyperlink>
<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>
<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>7</w:t></w:r>
<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:tab/><w:t>fin</w:t><w:br/><w:t>línea</w:t></w:r></w:p>
<w:sdt><w:sdtContent><w:p><w:r><w:rPr><w:b w:val="0"/></w:rPr><w:t>REPORTERO: En un control.</w:t></w:r></w:p></w:sdtContent></w:sdt>
<w:sectPr/></w:body></w:document>"""


def test_docx_tracked_changes_fields_and_controls(tmp_path):
    base = make_docx(tmp_path / "base.docx", ["x"])
    path = rewrite_zip(base, tmp_path / "tracked.docx",
                       replace={"word/document.xml": DOCUMENT_XML.encode()})
    doc = read_one(path)
    assert doc.text == "VOCERA: Texto insertado enlace7\tfin\nlínea\nREPORTERO: En un control."
    assert speeches(doc) == [("VOCERA", "Texto insertado enlace7\tfin\nlínea"),
                             ("REPORTERO", "En un control.")]


@pytest.fixture
def good_docx(tmp_path) -> Path:
    return make_docx(tmp_path / "good.docx", TURN_PARAGRAPHS)


def test_docx_garbage_empty_and_truncated(tmp_path, good_docx):
    garbage = tmp_path / "garbage.docx"
    garbage.write_bytes(bytes(range(256)) * 40)
    assert "not a valid .docx" in problem(garbage)

    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    assert "empty" in problem(empty)

    truncated = tmp_path / "truncated.docx"
    truncated.write_bytes(good_docx.read_bytes()[: good_docx.stat().st_size // 2])
    assert "not a valid .docx (corrupt or truncated zip" in problem(truncated)


def test_docx_encrypted_office_file(tmp_path):
    # What Word writes for a password-protected .docx: an OLE2 compound file.
    path = tmp_path / "secreto.docx"
    path.write_bytes(safezip.OLE2_MAGIC + bytes(504) + "EncryptedPackage".encode("utf-16-le"))
    assert "password-protected .docx" in problem(path)


def test_docx_zip_bomb_total_size(tmp_path):
    # 300 MB of zeros, written in chunks: about 300 KB on disk, never 300 MB in memory.
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = bytes(1024 * 1024)
            for _ in range(300):
                member.write(chunk)
    assert path.stat().st_size < 2 * 1024 * 1024
    message = problem(path)
    assert message.startswith(f"{path}: zip bomb")
    assert "200 MB" in message


def test_docx_zip_bomb_ratio_and_lowered_limits(tmp_path, good_docx):
    path = rewrite_zip(good_docx, tmp_path / "ratio.docx",
                       add={"word/media/padding.bin": bytes(12 * 1024 * 1024)})
    assert "zip bomb: member 'word/media/padding.bin' inflates" in problem(path)
    # The limit is an option: the good file itself is refused under a tiny one.
    assert "zip bomb" in problem(good_docx, max_total=1000)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&lol3;</w:t></w:r></w:p></w:body></w:document>"""


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_docx_xml_entity_bomb(tmp_path, good_docx, encoding):
    xml = BILLION_LAUGHS
    if encoding != "utf-8":
        xml = xml.replace('<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{encoding}"?>')
    path = rewrite_zip(good_docx, tmp_path / f"laughs-{encoding}.docx",
                       replace={"word/document.xml": xml.encode(encoding)})
    message = problem(path)
    assert "word/document.xml" in message and "entity" in message


def test_docx_external_entity_in_another_part(tmp_path, good_docx):
    xxe = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           b'<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>')
    path = rewrite_zip(good_docx, tmp_path / "xxe.docx", replace={"word/styles.xml": xxe})
    assert "word/styles.xml" in problem(path)


@pytest.mark.parametrize("name", ["../../evil.xml", "/etc/evil.xml", "word\\..\\evil.xml",
                                  "C:/evil.xml"])
def test_docx_path_traversal_member(tmp_path, good_docx, name):
    path = rewrite_zip(good_docx, tmp_path / "traversal.docx", add={name: b"<x/>"})
    assert "path traversal" in problem(path)


def test_docx_other_zips_are_not_word(tmp_path):
    xlsx = make_xlsx(tmp_path / "book.xlsx", [["texto"], ["hola"]])
    renamed = tmp_path / "libro.docx"
    renamed.write_bytes(xlsx.read_bytes())
    assert "not a Word document" in problem(renamed)

    random_zip = tmp_path / "notas.docx"
    with zipfile.ZipFile(random_zip, "w") as zf:
        zf.writestr("notas.txt", "nada")
    assert "not a valid .docx" in problem(random_zip)


def test_docx_with_no_text(tmp_path):
    path = make_docx(tmp_path / "blank.docx", ["", "   "])
    assert "no text" in problem(path)


# -- html -----------------------------------------------------------------------------------

GOB_PAGE = """<!DOCTYPE html>
<html class='no-js' lang="es"><head><meta charset='UTF-8'>
<title>Versión estenográfica inventada | Presidencia | Gobierno | gob.mx</title>
<meta content="Versión estenográfica inventada" property="og:title" />
<script>var tracker = "PRESIDENTE: no soy texto";</script>
<style>.article-body p { color: red; }</style></head>
<body>
<header class="navbar"><nav><a href="/">Inicio</a> <a href="/tramites">Trámites</a></nav></header>
<main class="inner-page interior ficha"><div class="container">
 <ol class="breadcrumb"><li><a href="/">Inicio</a></li><li class="active">Blog</li></ol>
 <div class="row">
  <div aria-hidden="true" class="font-changer"><button>Aa+</button></div>
  <div class="col-sm-7 pull-left">
   <h1 class="bottom-buffer">Versión estenográfica de la conferencia de prensa inventada</h1>
   <h2>Diálogo imaginario con medios de comunicación</h2>
  </div>
  <div class="col-md-4 pull-right"><span class="small">Foto de archivo.</span>
   <section class="border-box"><dl>
    <dt>Autor</dt><dd>Presidencia de la República </dd>
    <dt>Fecha de publicación</dt><dd>03 de febrero de 2020</dd>
   </dl></section>
  </div>
  <div class="col-sm-7 pull-left">
   <div class="article-body"><p><strong>PRESIDENTE ANDR&Eacute;S MANUEL L&Oacute;PEZ OBRADOR:</strong> Buenos días.
      Vamos a   informar&nbsp;sobre el
      <em>programa</em> de becas.</p>

   <p>Segundo párrafo, con <b>énfasis</b> dentro.</p>
   <script>document.write("oculto")</script>
   <p><strong>INTERLOCUTOR:</strong> ¿Cuántas becas hay?</p>
   <p><b>Secretaria de Educación, Luisa Gómez</b>: Hay muchas.<br>Y habrá más.</p>
   <p style="display:none">texto escondido</p>
   <ul><li>Primer punto</li><li>Segundo punto</li></ul>
   <p><strong>PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR</strong></p>
   <p>Gracias a todos.</p>
   </div>
   <form id="survey-form"><legend>¿Fue fácil encontrar lo que buscabas?</legend></form>
  </div>
  <div class="col-sm-7 pull-left"><div class="share-buttons"><a href="#">Compartir</a></div></div>
 </div>
</div></main>
<footer class="main-footer">Gobierno de México · Aviso de privacidad</footer>
</body></html>
"""


def test_html_gob_mx_layout(tmp_path):
    path = tmp_path / "version-estenografica.html"
    path.write_text(GOB_PAGE, encoding="utf-8")
    doc = read_one(path)
    assert doc.text == (
        "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR: Buenos días. Vamos a informar sobre el "
        "programa de becas.\n"
        "Segundo párrafo, con énfasis dentro.\n"
        "INTERLOCUTOR: ¿Cuántas becas hay?\n"
        "Secretaria de Educación, Luisa Gómez: Hay muchas.\n"
        "Y habrá más.\n"
        "Primer punto\n"
        "Segundo punto\n"
        "PRESIDENTE ANDRÉS MANUEL LÓPEZ OBRADOR\n"
        "Gracias a todos."
    )
    assert doc.title == "Versión estenográfica de la conferencia de prensa inventada"
    assert doc.date == dt.date(2020, 2, 3)
    assert speeches(doc) == [
        (PRESIDENT, "Buenos días. Vamos a informar sobre el programa de becas.\n"
                    "Segundo párrafo, con énfasis dentro."),
        ("INTERLOCUTOR", "¿Cuántas becas hay?"),
        ("Secretaria de Educación, Luisa Gómez",
         "Hay muchas.\nY habrá más.\nPrimer punto\nSegundo punto"),
        (PRESIDENT, "Gracias a todos."),
    ]


def test_html_without_article_body_uses_the_page(tmp_path):
    path = tmp_path / "simple.htm"
    path.write_text('<html><head><meta property="article:published_time" '
                    'content="2021-06-28T10:00:00-05:00"><title>Rueda | Sitio</title></head>'
                    "<body><nav>Menú</nav><h2>Rueda de prensa</h2>"
                    "<div>VOCERA: Hola.</div><h3><b>SEGUNDA PARTE</b></h3>"
                    "<div>REPORTERO: Adiós.</div></body></html>",
                    encoding="utf-8")
    doc = read_one(path)
    assert doc.text == "Rueda de prensa\nVOCERA: Hola.\nSEGUNDA PARTE\nREPORTERO: Adiós."
    # A bold heading is not a speaker.
    assert speeches(doc) == [("VOCERA", "Hola.\nSEGUNDA PARTE"), ("REPORTERO", "Adiós.")]
    assert doc.title == "Rueda"  # <title> without the site name (no <h1>)
    assert doc.date == dt.date(2021, 6, 28)


@pytest.mark.parametrize("charset", ["windows-1252", "iso-8859-1", "iso-8859-15"])
def test_html_declared_charset(tmp_path, charset):
    page = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            "</head><body><p>Año de la señal: ¿sí?</p></body></html>")
    path = tmp_path / "legacy.html"
    path.write_bytes(page.encode(charset))
    assert read_one(path).text == "Año de la señal: ¿sí?"


def test_html_cp1252_without_declaration(tmp_path):
    path = tmp_path / "nodecl.html"
    path.write_bytes("<html><body><p>Educación pública</p></body></html>".encode("cp1252"))
    assert read_one(path).text == "Educación pública"


def test_html_bad_inputs(tmp_path):
    bomb = tmp_path / "bomb.html"
    bomb.write_text('<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                    "<html><body><p>&b;</p></body></html>", encoding="utf-8")
    assert "entity" in problem(bomb)

    empty = tmp_path / "empty.html"
    empty.write_bytes(b"  \n")
    assert "empty" in problem(empty)

    garbage = tmp_path / "garbage.html"
    garbage.write_bytes(bytes(range(256)) * 10)
    assert "binary" in problem(garbage)

    invisible = tmp_path / "invisible.html"
    invisible.write_text("<html><head><title>T</title><script>x()</script></head>"
                         "<body><nav>menú</nav></body></html>", encoding="utf-8")
    assert "no visible text" in problem(invisible)

    big = tmp_path / "big.html"
    big.write_text("<p>" + "x" * 5000 + "</p>", encoding="utf-8")
    assert "too large" in problem(big, max_bytes=1000)


def test_html_deep_nesting_is_no_crash(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text("<html><body>" + "<div>" * 20000 + "VOCERA: hondo" + "</div>" * 20000
                    + "</body></html>", encoding="utf-8")
    try:
        docs = read_file(path, "html")
    except ImportProblem as exc:
        assert "\n" not in str(exc)
    else:
        for doc in docs:
            doc.check()


# -- pdf ------------------------------------------------------------------------------------

PDF_PAGES = [
    ["Conferencia de prensa inventada", "1 de agosto de 2019",
     "PRESIDENTE: Buenos días, señoras (y) señores.", "INTERLOCUTOR: ¿Habrá lluvia?"],
    ["PRESIDENTE: Respuesta en la página dos."],
]


def test_pdf_text_turns_title_and_date(tmp_path):
    path = tmp_path / "informe.pdf"
    path.write_bytes(make_pdf(PDF_PAGES, info={"Title": "Microsoft Word - mañanera.docx",
                                               "CreationDate": "D:20190802093000-06'00'"}))
    doc = read_one(path)
    for line in PDF_PAGES[0] + PDF_PAGES[1]:
        assert line in doc.text
    assert doc.title == "mañanera.docx"
    assert doc.date == dt.date(2019, 8, 1)  # the text's date wins over the metadata's
    assert speeches(doc) == [
        ("PRESIDENTE", "Buenos días, señoras (y) señores."),
        ("INTERLOCUTOR", "¿Habrá lluvia?"),
        ("PRESIDENTE", "Respuesta en la página dos."),
    ]
    assert doc.metadata["pages"] == 2
    second = doc.metadata["page_starts"][1]
    assert doc.text[second:].lstrip().startswith("PRESIDENTE: Respuesta")


def test_pdf_metadata_date_when_text_has_none(tmp_path):
    path = tmp_path / "sin-fecha.pdf"
    path.write_bytes(make_pdf([["VOCERA: Hola.", "REPORTERO: Adiós."]],
                              info={"CreationDate": "D:20210304050607Z"}))
    doc = read_one(path)
    assert doc.date == dt.date(2021, 3, 4)
    assert speeches(doc) == [("VOCERA", "Hola."), ("REPORTERO", "Adiós.")]


def test_pdf_encrypted(tmp_path):
    plain = make_pdf(PDF_PAGES)
    locked = tmp_path / "cerrado.pdf"
    locked.write_bytes(encrypt_pdf(plain, "secret"))
    assert "password-protected .pdf" in problem(locked)
    # With the password given, it opens.
    assert "¿Habrá lluvia?" in read_one(locked, password="secret").text

    # Encrypted with an empty user password: opens without asking.
    open_lock = tmp_path / "abierto.pdf"
    open_lock.write_bytes(encrypt_pdf(plain, ""))
    assert "¿Habrá lluvia?" in read_one(open_lock).text


def test_pdf_aes_without_crypto_library(tmp_path, monkeypatch):
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    def refuse(self, password):
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    path = tmp_path / "aes.pdf"
    path.write_bytes(encrypt_pdf(make_pdf(PDF_PAGES), "secret"))
    monkeypatch.setattr(PdfReader, "decrypt", refuse)
    assert "cryptography" in problem(path)


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.9])
def test_pdf_truncated(tmp_path, fraction):
    data = make_pdf(PDF_PAGES)
    path = tmp_path / "cortado.pdf"
    path.write_bytes(data[: int(len(data) * fraction)])
    assert "not a valid .pdf" in problem(path)


def test_pdf_without_text_layer(tmp_path):
    path = tmp_path / "escaneado.pdf"
    path.write_bytes(make_pdf([[], []]))
    assert "no text layer (scanned PDF?); run OCR first" in problem(path)


def test_pdf_garbage_and_empty(tmp_path):
    garbage = tmp_path / "basura.pdf"
    garbage.write_bytes(bytes(range(256)) * 8)
    assert "not a valid .pdf" in problem(garbage)
    empty = tmp_path / "vacio.pdf"
    empty.write_bytes(b"")
    assert "empty" in problem(empty)


def test_pdf_real_specification_reads():
    spec = SHARED_REFI / "REFI-QDA-1-5.pdf"
    if not spec.exists():
        pytest.skip("../shared/refi is absent")
    doc = read_one(spec)
    assert doc.metadata["pages"] > 10
    assert "REFI" in doc.text


# -- csv / xlsx -----------------------------------------------------------------------------

def test_csv_cp1252_semicolons_turns_and_metadata(tmp_path):
    content = (
        "Título;Fecha;Texto;Medio\r\n"
        "Rueda uno;2019-08-01;\"VOCERA: Buenos días; ¿qué tal?\r\nREPORTERO: Bien, gracias.\";Radio\r\n"
        "Vacía;2019-08-02;;Prensa\r\n"
        "Rueda tres;3 de agosto de 2019;Texto sin hablantes, con acentos: áéíóú ñ;\r\n"
    )
    path = tmp_path / "ruedas.csv"
    path.write_bytes(content.encode("cp1252"))
    first, third = read_file(path, "csv")
    assert first.text == "VOCERA: Buenos días; ¿qué tal?\nREPORTERO: Bien, gracias."
    assert first.title == "Rueda uno"
    assert first.date == dt.date(2019, 8, 1)
    assert first.metadata == {"Medio": "Radio", "row": 1}
    assert speeches(first) == [("VOCERA", "Buenos días; ¿qué tal?"),
                               ("REPORTERO", "Bien, gracias.")]
    # The empty row is skipped but still counted.
    assert third.metadata == {"row": 3}
    assert third.date == dt.date(2019, 8, 3)
    assert speeches(third) == [(None, "Texto sin hablantes, con acentos: áéíóú ñ")]


def test_csv_named_columns_and_big_cells(tmp_path):
    big = "PRESIDENTE: " + "palabra " * 40000 + "\nINTERLOCUTOR: fin"
    path = tmp_path / "grande.csv"
    path.write_text('id,Contenido,dia\n7,"' + big + '",01/02/2020\n', encoding="utf-8")
    [doc] = read_file(path, "csv", text_column="contenido", date_column="DIA")
    assert doc.text == big
    assert doc.date == dt.date(2020, 2, 1)
    assert doc.metadata == {"id": "7", "row": 1}
    assert [speaker for speaker, _ in speeches(doc)] == ["PRESIDENTE", "INTERLOCUTOR"]


def test_csv_missing_columns(tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    assert "no column 'texto' (columns: a, b, c)" in problem(path, text_column="texto")
    message = problem(path)
    assert "no text column" in message and "columns: a, b, c" in message
    path.write_text("texto,b\nhola,2\n", encoding="utf-8")
    assert "no column 'fecha' (columns: texto, b)" in problem(path, date_column="fecha")


def test_csv_empty_and_header_only(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "empty" in problem(empty)
    header = tmp_path / "header.csv"
    header.write_text("texto,fecha\n,2020-01-01\n", encoding="utf-8")
    assert "no rows with text in column 'texto'" in problem(header)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"texto\n\x00\x01\x02" * 100)
    assert "binary" in problem(binary)


def test_tsv_and_tab_delimited(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("text\tfuente\nHola, mundo; sí\tradio\n", encoding="utf-8")
    [doc] = read_file(path, "csv")
    assert doc.text == "Hola, mundo; sí"
    assert doc.metadata == {"fuente": "radio", "row": 1}


def test_xlsx_rows_metadata_and_dates(tmp_path):
    path = make_xlsx(tmp_path / "ruedas.xlsx", [
        ["Texto", "Fecha", "Title", "Medio", "Minutos", "row"],
        ["VOCERA: Hola.\nREPORTERO: ¿Qué hay?", dt.datetime(2019, 8, 1, 8, 0), "Uno",
         "Radio", 45, "x"],
        [None, None, None, "nada", None, None],
        ["Solo texto", "no es fecha", None, None, 12.5, None],
    ], extra_sheet=("Otra", [["texto"], ["de la otra hoja"]]))
    first, third = read_file(path, "xlsx")
    assert first.text == "VOCERA: Hola.\nREPORTERO: ¿Qué hay?"
    assert first.title == "Uno"
    assert first.date == dt.date(2019, 8, 1)
    assert first.metadata == {"Medio": "Radio", "Minutos": 45, "row_column": "x",
                              "sheet": "Hoja1", "row": 1}
    assert speeches(first) == [("VOCERA", "Hola."), ("REPORTERO", "¿Qué hay?")]
    assert third.metadata == {"Minutos": 12.5, "sheet": "Hoja1", "row": 3}
    assert third.date is None
    assert any("unreadable date" in warning for warning in third.warnings)

    [other] = read_file(path, "xlsx", sheet="otra")
    assert other.text == "de la otra hoja" and other.metadata["sheet"] == "Otra"
    assert read_file(path, "xlsx", sheet=2)[0].text == "de la otra hoja"
    assert "no sheet 'Nope' (sheets: Hoja1, Otra)" in problem(path, sheet="Nope")
    assert "no column 'texto_x'" in problem(path, text_column="texto_x")


def test_xlsx_hostile_files(tmp_path):
    good = make_xlsx(tmp_path / "good.xlsx", [["texto"], ["hola"]])

    truncated = tmp_path / "cortado.xlsx"
    truncated.write_bytes(good.read_bytes()[:800])
    assert "not a valid .xlsx (corrupt or truncated zip" in problem(truncated)

    encrypted = tmp_path / "cerrado.xlsx"
    encrypted.write_bytes(safezip.OLE2_MAGIC + bytes(1000))
    assert "password-protected .xlsx" in problem(encrypted)

    laughs = BILLION_LAUGHS.replace("w:document", "worksheet")
    bomb = rewrite_zip(good, tmp_path / "risas.xlsx",
                       replace={"xl/worksheets/sheet1.xml": laughs.encode()})
    assert "entity" in problem(bomb)

    zipbomb = rewrite_zip(good, tmp_path / "zipbomb.xlsx",
                          add={"xl/media/zeros.bin": bytes(12 * 1024 * 1024)})
    assert "zip bomb" in problem(zipbomb)

    docx_renamed = tmp_path / "doc.xlsx"
    docx_renamed.write_bytes(make_docx(tmp_path / "d.docx", ["hola"]).read_bytes())
    assert "not an Excel workbook" in problem(docx_renamed)


# -- registry and safezip -------------------------------------------------------------------

def test_detect_format(tmp_path, good_docx):
    assert detect_format(Path("a.DOCX"), b"") == "docx"
    assert detect_format(Path("a.htm"), b"") == "html"
    assert detect_format(Path("a.tsv"), b"") == "csv"
    assert detect_format(Path("a.xlsx"), b"") == "xlsx"
    assert detect_format(Path("a.txt"), b"PRESIDENTE: hola") is None
    assert detect_format(Path("a.transcript"), b"Title\n---\n") is None
    assert detect_format(Path("download"), b"%PDF-1.7\n") == "pdf"
    assert detect_format(Path("download"), b"\xef\xbb\xbf  <!DOCTYPE HTML>") == "html"
    assert detect_format(Path("download"), b"<html lang='es'>") == "html"
    bare = tmp_path / "download"
    bare.write_bytes(good_docx.read_bytes())
    assert detect_format(bare, bare.read_bytes()[:64]) == "docx"
    book = make_xlsx(tmp_path / "book.xlsx", [["texto"], ["x"]])
    bare.write_bytes(book.read_bytes())
    assert detect_format(bare, bare.read_bytes()[:64]) == "xlsx"
    assert set(READERS) == {"docx", "html", "pdf", "csv", "xlsx"}


def test_read_file_options_and_unknown_format(tmp_path, good_docx):
    # Options a reader does not take are dropped (a folder of mixed files shares options).
    assert read_file(good_docx, "docx", text_column="texto")[0].turns
    assert "unknown format 'odt'" in problem(good_docx, "odt")


def test_safezip_api(tmp_path):
    assert safezip.safe_member_name("word/document.xml")
    for name in ("../x", "a/../../x", "/abs", "a\\b", "C:x", "", "a\x00b"):
        assert not safezip.safe_member_name(name)
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.xml", b"<a>" + b"x" * 5000 + b"</a>")
        zf.writestr("DATA.XML", b"<b/>")
    with pytest.raises(ImportProblem, match="duplicate member name"):
        safezip.open_zip(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.xml", b"<a>" + b"x" * 5000 + b"</a>")
    with safezip.open_zip(path, kind=".qdpx") as zf:
        assert safezip.read_member(zf, "data.xml", max_size=10_000).startswith(b"<a>")
        with pytest.raises(ImportProblem, match="larger than"):
            safezip.read_member(zf, "data.xml", max_size=100)
        with pytest.raises(ImportProblem, match="missing member 'nope.xml'"):
            safezip.read_member(zf, "nope.xml", max_size=100)
    with pytest.raises(ImportProblem, match="too many members"):
        safezip.open_zip(path, max_members=0)
    for data in (b"<!DOCTYPE x>", "<!doctype x>".encode("utf-16-be"),
                 "<!ENTITY x 'y'>".encode("utf-32-le")):
        with pytest.raises(ImportProblem, match="entity"):
            safezip.reject_xml_entities(data, path, "m.xml")
    safezip.reject_xml_entities(b"<a>&lt;!DOCTYPE as text&gt;</a>", path, "m.xml")


def test_safezip_marker_across_chunk_boundary(tmp_path):
    data = b" " * (1024 * 1024 - 4) + b"<!DOCTYPE x []><a/>"
    with pytest.raises(ImportProblem, match="entity"):
        safezip.reject_xml_entities_in_stream(io.BytesIO(data), tmp_path, "big.xml")


def test_safezip_accepts_real_qdpx():
    examples = sorted((SHARED_REFI / "examples").glob("*.qdpx"))
    if not examples:
        pytest.skip("../shared/refi is absent")
    for example in examples:
        with safezip.open_zip(example, kind=".qdpx") as zf:
            safezip.check_xml_members(zf, example)
            assert zf.namelist()


def test_bold_label_forms():
    assert bold_label([("NOMBRE:", True), (" dijo", False)]) == (7, "NOMBRE")
    assert bold_label([("Nombre Apellido", True), (" : dijo", False)]) == (17, "Nombre Apellido")
    assert bold_label([("NOMBRE", True)]) == (6, "NOMBRE")
    assert bold_label([("NOMBRE", True)], bare=False) is None
    assert bold_label([("Nombre", True)]) is None  # bare labels are capitals
    assert bold_label([("Nota:", True), (" algo", False)]) is None
    assert bold_label([("texto ", False), ("NOMBRE:", True)]) is None
    assert bold_label([("1 DE MAYO", True)]) is None
    assert bold_label([("NOMBRE\nOTRO:", True), (" dijo", False)]) is None


# -- properties: the readers never return turns outside the text ----------------------------

segment = st.tuples(
    st.text(alphabet="ABC abcÁñ:\n\t.", max_size=12), st.booleans())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.lists(segment, max_size=4), st.booleans()), max_size=12),
       st.one_of(st.none(), st.text(max_size=5)))
def test_parse_blocks_turns_are_inside_the_text(blocks, title):
    doc = parse_blocks([Block(segments, heading) for segments, heading in blocks], title=title)
    assert doc.text == "\n".join("".join(t for t, _ in segments) for segments, _ in blocks)
    doc.check()
    for turn in doc.turns:
        speech = doc.text[turn.start:turn.end]
        assert speech == speech.strip()


def _mutations():
    return st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), min_size=1, max_size=8)


@pytest.mark.parametrize("kind", ["docx", "pdf", "xlsx"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutations=_mutations(), cut=st.floats(0.05, 1.0))
def test_damaged_files_give_problems_not_tracebacks(tmp_path, kind, mutations, cut):
    source = tmp_path / f"source.{kind}"
    if not source.exists():
        if kind == "docx":
            make_docx(source, TURN_PARAGRAPHS)
        elif kind == "pdf":
            source.write_bytes(make_pdf(PDF_PAGES))
        else:
            make_xlsx(source, [["texto"], ["VOCERA: hola"]])
    data = bytearray(source.read_bytes())
    for where, value in mutations:
        data[int(where * (len(data) - 1))] = value
    damaged = tmp_path / f"damaged.{kind}"
    damaged.write_bytes(bytes(data[: max(1, int(len(data) * cut))]))
    try:
        docs = read_file(damaged, kind)
    except ImportProblem as exc:
        assert "\n" not in str(exc) and damaged.name in str(exc)
    else:
        for doc in docs:
            doc.check()


# -- NAME: labels in plain text (written for the tests) ----------------------------------------

def _turns(text):
    from coder.corpus.text import parse_plain

    doc = parse_plain(text)
    return [(t.speaker, text[t.start:t.end]) for t in doc.turns]


def test_a_phrase_ending_in_a_colon_is_not_a_speaker():
    """"Primero:", "Es decir:", "Como dijo Benito Juárez:" open the speaker's own sentences."""
    text = ("Conferencia\n4 de marzo de 2026\n\nPRESIDENTA CLAUDIA SHEINBAUM PARDO: Tres ejes.\n"
            "Primero: atender las causas.\nEs decir: no habrá guerra.\n"
            "Como dijo Benito Juárez: el respeto.\n\nPREGUNTA: ¿Y?\n")
    turns = _turns(text)
    assert [speaker for speaker, _ in turns] == ["PRESIDENTA CLAUDIA SHEINBAUM PARDO", "PREGUNTA"]
    assert "Es decir: no habrá guerra." in turns[0][1]


def test_names_and_roles_in_ordinary_case_are_speakers():
    text = "Entrevista\n\nModeradora: Bienvenidos.\n\nJuan de la Cruz: Gracias.\n\nModeradora: ¿Y?\n"
    assert [s for s, _ in _turns(text)] == ["Moderadora", "Juan de la Cruz", "Moderadora"]


def test_one_speaker_line_in_capitals_is_enough():
    """A speech with its speaker's line: one label; a lone "Nota:" or "Juan:" names nobody."""
    text = "Mensaje a la nación\n26 de marzo de 2026\n\nPRESIDENTA CLAUDIA SHEINBAUM PARDO: No habrá guerra.\n"
    assert _turns(text) == [("PRESIDENTA CLAUDIA SHEINBAUM PARDO", "No habrá guerra.")]
    for lone in ("Nota: se corrigió el audio.", "Juan: hola.", "PREGUNTA: ¿Y?"):
        assert _turns(f"Título\n\n{lone}\n")[0][0] is None


@pytest.mark.parametrize("invisible", ["\u00a0", "\u200b", "\ufeff", "\u200e"])
def test_invisible_characters_do_not_hide_a_speaker_line(invisible):
    """A no-break space between title and name, a zero-width space, a byte-order mark or a
    direction mark at the start of the line (pasted from the web, joined files)."""
    if invisible == "\u00a0":
        text = "Conferencia\n\nPRESIDENTA\u00a0CLAUDIA SHEINBAUM PARDO: Hola.\n\nPREGUNTA: ¿Qué?\n"
    else:
        text = f"Conferencia\n\n{invisible}PRESIDENTA CLAUDIA SHEINBAUM PARDO: Hola.\n\n{invisible}PREGUNTA: ¿Qué?\n"
    assert _turns(text) == [("PRESIDENTA CLAUDIA SHEINBAUM PARDO", "Hola."), ("PREGUNTA", "¿Qué?")]


@pytest.mark.parametrize("stamp", ["[00:12:31] ", "(00:12:31) ", "00:12:31 ", "[12:31] ", "00:12:31.5 - "])
def test_a_time_stamp_before_the_speaker_line_is_neither_name_nor_speech(stamp):
    """Transcripts of recordings stamp each turn: "[00:12:31] NAME: ..."."""
    text = (f"Entrevista\n\n{stamp}PRESIDENTA CLAUDIA SHEINBAUM PARDO: Hola.\n"
            f"{stamp}PREGUNTA: ¿Qué?\n")
    assert _turns(text) == [("PRESIDENTA CLAUDIA SHEINBAUM PARDO", "Hola."), ("PREGUNTA", "¿Qué?")]


def test_times_in_an_agenda_are_not_speakers():
    assert _turns("Agenda\n\n10:30 Inauguración: palabras.\n11:00 Comida: en el patio.\n")[0][0] is None
