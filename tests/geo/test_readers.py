from __future__ import annotations

import time
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
from shapely.geometry import Point

from geo.crs import LAMBERT93, WGS84
from geo.readers import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_ROWS,
    FileFormatError,
    TimeBudget,
    find_column,
    parse_number,
    read_table,
)
from tests.spreadsheets import (
    BILLION_LAUGHS,
    GRADES_HEADER,
    MAIN,
    XXE,
    hostile_strings,
    million_rows,
    sheet_xml,
    xlsx,
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_semicolon_bom_quotes_and_spreadsheet_row_numbers(tmp_path):
    path = write(
        tmp_path / "r.csv",
        "code;nom;adresse\r\n"
        'A1; Les Tilleuls ;"12; rue de Lille"\r\n'
        "\r\n"
        ";;\r\n"
        'A2;Résidence « Soleil »;"3 rue Haute\r\nBâtiment B"\r\n'
        "A3;Cité Jardin;\r\n",
        "utf-8-sig",
    )
    table = read_table(path)
    assert table.kind == "csv"
    assert table.geometry is None and table.crs is None
    assert list(table.frame.columns) == ["code", "nom", "adresse"]
    assert table.line_numbers == [2, 5, 6]
    assert table.frame.iloc[0].tolist() == ["A1", "Les Tilleuls", "12; rue de Lille"]
    assert table.frame.iloc[1, 1] == "Résidence « Soleil »"
    assert table.frame.iloc[1, 2] == "3 rue Haute\r\nBâtiment B"
    assert table.frame.iloc[2, 2] is None
    assert table.errors == []


@pytest.mark.parametrize("separator", [",", "\t", ";"])
def test_csv_separator_is_sniffed_from_the_header(tmp_path, separator):
    header = separator.join(["code", "nom", "nb_logements"])
    row = separator.join(["B7", '"Les Prés, bâtiment 2"', "40"])
    table = read_table(write(tmp_path / "r.csv", f"{header}\n{row}\n"))
    assert table.frame.to_dict("records") == [
        {"code": "B7", "nom": "Les Prés, bâtiment 2", "nb_logements": "40"}
    ]


def test_csv_falls_back_to_windows_1252(tmp_path):
    path = write(tmp_path / "r.csv", "code;nom\nA1;Résidence Œillets – côté\n", "cp1252")
    assert read_table(path).frame.iloc[0, 1] == "Résidence Œillets – côté"


def test_csv_undecodable_is_a_file_error(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"code;nom\nA1;\x81\x8d\x90\n")
    with pytest.raises(FileFormatError, match="encodage illisible"):
        read_table(path)


def test_csv_misaligned_rows_are_reported_not_read(tmp_path):
    path = write(tmp_path / "r.csv", "code,nom\nA1,Les Prés\nA2,12, rue Haute\nA3,Cité,,\n")
    table = read_table(path)
    assert table.frame["code"].tolist() == ["A1", "A3"]
    assert [(e.line, e.message) for e in table.errors] == [
        (3, "3 valeurs pour 2 colonnes : vérifiez le séparateur et les guillemets (ligne ignorée)")
    ]


def test_csv_duplicated_header_is_a_file_error(tmp_path):
    with pytest.raises(FileFormatError, match="« nom » présente deux fois"):
        read_table(write(tmp_path / "r.csv", "code;nom;nom\nA;b;c\n"))


def test_xlsx_first_sheet_numbers_as_text(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Code", "Code INSEE", "Nb logements", "Surface", "Nom"])
    sheet.append(["R1", 2001, 12.0, 3.25, "  Les Lilas "])
    sheet.append([None, None, None, None, None])
    sheet.append(["R2", 59350, 7, 0.1 + 0.2, "Fives"])
    workbook.create_sheet("autre")["A1"] = "ignored"
    workbook.save(tmp_path / "r.xlsx")

    table = read_table(tmp_path / "r.xlsx")
    assert table.kind == "xlsx"
    assert table.line_numbers == [2, 4]
    assert table.frame.to_dict("records") == [
        {
            "Code": "R1",
            "Code INSEE": "2001",
            "Nb logements": "12",
            "Surface": "3.25",
            "Nom": "Les Lilas",
        },
        {
            "Code": "R2",
            "Code INSEE": "59350",
            "Nb logements": "7",
            "Surface": "0.3",
            "Nom": "Fives",
        },
    ]


def test_broken_xlsx_is_a_file_error(tmp_path):
    with pytest.raises(FileFormatError, match="Excel illisible"):
        read_table(write(tmp_path / "r.xlsx", "not a workbook"))


LAUGHS = "".join(
    f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' if n else '<!ENTITY l0 "lol">' for n in range(10)
)
HOSTILE_SHEETS = {
    "billion-laughs": f"<!DOCTYPE w [{LAUGHS}]>",
    "xxe": '<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
}


def hostile_workbook(path: Path, doctype: str, entity: str) -> Path:
    """A workbook whose first sheet declares `doctype` and uses `&entity;` in a cell."""
    book = openpyxl.Workbook()
    book.active.append(["code", "note"])
    book.save(path.with_suffix(".base.xlsx"))
    sheet = (
        f'<?xml version="1.0"?>{doctype}<worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is>'
        f"<t>&{entity};</t></is></c></row></sheetData></worksheet>"
    )
    with (
        zipfile.ZipFile(path.with_suffix(".base.xlsx")) as source,
        zipfile.ZipFile(path, "w") as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, sheet if item.filename.endswith("sheet1.xml") else data)
    return path


def points_frame(crs: str) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"code": ["A", "B"], "nb": [12, 7], "note": [2.5, None]},
        geometry=[Point(3.06, 50.63), Point(2.3, 49.9)],
        crs=WGS84,
    )
    return frame.to_crs(crs)


def test_geojson_without_crs_is_wgs84(tmp_path):
    path = write(
        tmp_path / "r.geojson",
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"code": "A", "nb": 12}, '
        '"geometry": {"type": "Point", "coordinates": [3.06, 50.63]}}]}',
    )
    table = read_table(path)
    assert (table.kind, table.crs, table.line_numbers) == ("geojson", WGS84, [1])
    assert table.frame.to_dict("records") == [{"code": "A", "nb": "12"}]
    assert table.geometry.iloc[0].equals(Point(3.06, 50.63))


def test_geojson_crs84_and_lambert93_files(tmp_path):
    points_frame(WGS84).to_file(tmp_path / "w.geojson", driver="GeoJSON")
    assert read_table(tmp_path / "w.geojson").crs == WGS84
    points_frame(LAMBERT93).to_file(tmp_path / "l.geojson", driver="GeoJSON")
    table = read_table(tmp_path / "l.geojson")
    assert table.crs == LAMBERT93
    assert table.geometry.iloc[0].x > 600_000


def test_gpkg_keeps_properties_and_crs(tmp_path):
    points_frame(LAMBERT93).to_file(tmp_path / "r.gpkg", driver="GPKG")
    table = read_table(tmp_path / "r.gpkg")
    assert (table.kind, table.crs, table.line_numbers) == ("gpkg", LAMBERT93, [1, 2])
    assert table.frame.to_dict("records") == [
        {"code": "A", "nb": "12", "note": "2.5"},
        {"code": "B", "nb": "7", "note": None},
    ]


def test_shapefile_plain_and_zipped(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    points_frame(LAMBERT93).to_file(folder / "residences.shp")
    table = read_table(folder / "residences.shp")
    assert (table.kind, table.crs, len(table)) == ("shp", LAMBERT93, 2)

    archive = tmp_path / "residences.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for part in folder.iterdir():
            out.write(part, f"export/{part.name}")
        out.writestr("__MACOSX/export/._residences.shp", b"junk")
    zipped = read_table(archive)
    assert (zipped.kind, zipped.crs) == ("shp", LAMBERT93)
    assert zipped.frame["code"].tolist() == ["A", "B"]

    incomplete = tmp_path / "incomplete.zip"
    with zipfile.ZipFile(incomplete, "w") as out:
        out.write(folder / "residences.shp", "residences.shp")
        out.write(folder / "residences.shx", "residences.shx")
    with pytest.raises(FileFormatError, match=r"il manque \.dbf"):
        read_table(incomplete)


def test_unknown_or_missing_files_are_file_errors(tmp_path):
    with pytest.raises(FileFormatError, match="non pris en charge"):
        read_table(write(tmp_path / "r.pdf", "%PDF"))
    with pytest.raises(FileFormatError, match=r"\.xlsx"):
        read_table(write(tmp_path / "r.xls", "old"))
    with pytest.raises(FileFormatError, match="introuvable"):
        read_table(tmp_path / "absent.csv")
    with pytest.raises(FileFormatError, match="géographique illisible"):
        read_table(write(tmp_path / "r.geojson", "{not json"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3,25", 3.25),
        ("1 234,5", 1234.5),
        ("1\u00a0234,5", 1234.5),
        ("12\u202f345", 12345.0),
        ("-3", -3.0),
        (" 704600.12 ", 704600.12),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("7e6", 7e6),
    ],
)
def test_parse_number_reads_french_numbers(text, expected):
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "nan", "inf", "12 m", "--3"])
def test_parse_number_rejects_non_numbers(text):
    with pytest.raises(ValueError, match="n'est pas un nombre"):
        parse_number(text)


def test_find_column_ignores_case_accents_and_separators():
    columns = ["Identifiant", "Nombre de logements", "CODE_INSEE"]
    assert find_column(columns, ("nb_logements", "nombre_de_logements")) == "Nombre de logements"
    assert find_column(columns, ("code_insee",)) == "CODE_INSEE"
    assert find_column(columns, ("identifiant",)) == "Identifiant"
    assert find_column(columns, ("adresse",)) is None


def test_csv_utf16_from_excel_unicode_text(tmp_path):
    path = write(tmp_path / "r.txt", "\ufeffcode\tnom\nA1\tRésidence Œillets\n", "utf-16-le")
    assert read_table(path).frame.to_dict("records") == [{"code": "A1", "nom": "Résidence Œillets"}]


# --- Limits -------------------------------------------------------------------------------------


def test_million_row_xlsx_is_refused_in_seconds(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_bytes(million_rows())
    start = time.perf_counter()
    with pytest.raises(FileFormatError, match="200\u202f000 lignes au plus"):
        read_table(path)
    assert time.perf_counter() - start < 10


def test_xlsx_row_number_past_the_limit_is_refused(tmp_path):
    far = f'<row r="{MAX_ROWS + 1}"><c><v>1</v></c><c><v>2</v></c></row>'
    path = tmp_path / "notes.xlsx"
    path.write_bytes(xlsx(sheet_xml(GRADES_HEADER + far)))
    with pytest.raises(FileFormatError, match="fichier trop long : 200\u202f000 lignes au plus"):
        read_table(path)


def test_csv_row_cap_names_the_limit(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("code;note\n" + "L1;2\n" * MAX_ROWS, encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(FileFormatError) as refused:
        read_table(path)
    assert str(refused.value) == (
        "fichier trop long : 200\u202f000 lignes au plus (en-tête compris) ; "
        "découpez-le en plusieurs fichiers"
    )
    assert time.perf_counter() - start < 10
    path.write_text("code;note\n" + "L1;2\n" * (MAX_ROWS - 1), encoding="utf-8")
    assert len(read_table(path)) == MAX_ROWS - 1


@pytest.mark.parametrize(
    "hostile", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "external-entity"]
)
def test_xml_entities_in_an_xlsx_are_refused_in_french(tmp_path, hostile):
    path = tmp_path / "notes.xlsx"
    path.write_bytes(hostile_strings(hostile))
    with pytest.raises(FileFormatError, match="déclare des entités XML"):
        read_table(path)


def test_xlsx_unpacking_to_too_much_is_refused(tmp_path):
    strings = f'<sst xmlns="{MAIN}"><si><t>' + "a" * (40 * 1024 * 1024) + "</t></si></sst>"
    path = tmp_path / "notes.xlsx"
    path.write_bytes(hostile_strings(strings))
    assert path.stat().st_size < 1024 * 1024
    with pytest.raises(FileFormatError, match="trop gros une fois décompressé"):
        read_table(path)


def test_columns_past_the_limit_are_refused(tmp_path):
    wide = ";".join(f"c{i}" for i in range(MAX_COLUMNS + 1))
    with pytest.raises(FileFormatError, match="au-delà de la colonne 50 ; 50 colonnes au plus"):
        read_table(write(tmp_path / "r.csv", f"code;note\nL1;2\n{wide}\n"))
    cell = '<c r="AZ2"><v>1</v></c>'
    path = tmp_path / "r.xlsx"
    path.write_bytes(xlsx(sheet_xml(GRADES_HEADER + f'<row r="2">{cell}</row>')))
    with pytest.raises(FileFormatError, match="ligne 2 : valeurs au-delà de la colonne 50"):
        read_table(path)


def test_a_cell_past_the_limit_leaves_its_row_out(tmp_path):
    long = "x" * (MAX_CELL_CHARS + 1)
    table = read_table(write(tmp_path / "r.csv", f"code;note\nL1;{long}\nL2;3\n"))
    assert table.frame["code"].tolist() == ["L2"]
    [error] = table.errors
    assert (error.line, error.column, error.value) == (2, "note", "x" * 40 + "…")
    assert (
        error.message == "cellule de 10\u202f001 caractères : 10\u202f000 au plus (ligne ignorée)"
    )


def test_reading_stops_when_the_time_budget_is_spent(tmp_path):
    path = write(tmp_path / "r.csv", "code;note\n" + "L1;2\n" * 5000)
    with pytest.raises(FileFormatError, match="trop long à lire : sa lecture a dépassé 0 s"):
        read_table(path, TimeBudget(0))
    assert len(read_table(path, TimeBudget(60))) == 5000
