"""Hand-made XLSX files, part by part: hostile ones (huge, XML bombs) that no tableur writes."""

from __future__ import annotations

import io
import zipfile

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"

CONTENT_TYPES = f"""<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{SHEET_TYPE}.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_TYPE}.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="{SHEET_TYPE}.sharedStrings+xml"/>
</Types>"""
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" Target="xl/workbook.xml"
Type="{RELS}/officeDocument"/></Relationships>"""
WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>
<sheet name="notes" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{PACKAGE_RELS}">
<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""
STRINGS = f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}"><si><t>code</t></si></sst>'

BILLION_LAUGHS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<sst xmlns="{main}"><si><t>&lol9;</t></si></sst>""".replace("{main}", MAIN)

XXE = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE sst [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<sst xmlns="{MAIN}"><si><t>&secret;</t></si></sst>"""


def sheet_xml(rows: str | bytes) -> bytes:
    """A worksheet part around `rows` (the XML of its <row> elements)."""
    body = rows.encode() if isinstance(rows, str) else rows
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'
    return head.encode() + body + b"</sheetData></worksheet>"


def xlsx(sheet: bytes, strings: str = STRINGS) -> bytes:
    """An XLSX archive of one worksheet and its shared strings."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/sharedStrings.xml", strings)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


GRADES_HEADER = (
    '<row><c t="inlineStr"><is><t>code</t></is></c><c t="inlineStr"><is><t>note</t></is></c></row>'
)


def million_rows() -> bytes:
    """A grade sheet of a million rows (without row numbers nor dimension): about 30 kB."""
    row = b'<row><c t="inlineStr"><is><t>L1</t></is></c><c><v>5</v></c></row>'
    return xlsx(sheet_xml(GRADES_HEADER.encode() + row * 1_000_000))


def hostile_strings(strings: str) -> bytes:
    """A small grade sheet whose shared strings are `strings` (an XML bomb)."""
    row = '<row><c t="s"><v>0</v></c><c><v>2</v></c></row>'
    return xlsx(sheet_xml(GRADES_HEADER + row), strings)
