#!/usr/bin/env python3
"""Writes the .xlsx fixtures of the intake tests with Python's zipfile, as Excel lays them out:
shared strings, one inline string, dates as serial day numbers with a date style, empty cells
left out (rows hold only the cells that have a value), the first sheet named by the tool.

  microsoft-forms-signups.xlsx  a Microsoft Forms export (ID, Start time, Completion time,
                                Email, Name and the answers; ';'-joined choices)
  workday-people.xlsx           the HR export of workday-people.csv, hire dates as serials
  microsoft-forms-bad.xlsx      two bad answers, for the positions of errors
  microsoft-forms-reordered.xlsx  the answers of microsoft-forms-signups.xlsx, plus an older answer
                                of Dee's placed after her newer one (rows out of time order)
  microsoft-forms-checkins.xlsx a check-in survey export (the answers of google-forms-checkins.csv)
  microsoft-forms-checkins-bad.xlsx  a rating of 9 (Sheet1!G3) and an unknown address (Sheet1!D4)

Run from this folder: python3 make_xlsx.py
"""
import datetime
import zipfile
from xml.sax.saxutils import escape

EPOCH = datetime.date(1899, 12, 30)


def serial(d):
    if isinstance(d, datetime.datetime):
        return (d - datetime.datetime(1899, 12, 30)).total_seconds() / 86400
    return (d - EPOCH).days


def column(n):
    out = ""
    while n:
        n, k = divmod(n - 1, 26)
        out = chr(65 + k) + out
    return out


def workbook(path, sheet, rows, inline=()):
    strings, index = [], {}
    xml_rows = []
    for r, row in enumerate(rows, 1):
        cells = []
        for c, value in enumerate(row, 1):
            ref = f"{column(c)}{r}"
            if value is None or value == "":
                continue  # Excel leaves empty cells out
            if isinstance(value, (datetime.date, datetime.datetime)):
                cells.append(f'<c r="{ref}" s="1"><v>{serial(value)}</v></c>')
            elif isinstance(value, (int, float)):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif (r, c) in inline:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
            else:
                if value not in index:
                    index[value] = len(strings)
                    strings.append(value)
                cells.append(f'<c r="{ref}" t="s"><v>{index[value]}</v></c>')
        xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {ns} {rel}><workbookPr/><sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId3"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/styles.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet {ns}><numFmts count="1"><numFmt numFmtId="164" formatCode="m/d/yyyy h:mm:ss"/></numFmts><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>',
        "xl/sharedStrings.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {ns} count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings) + "</sst>",
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {ns}><sheetData>{"".join(xml_rows)}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 2, 9, 0, 0))  # fixed: the same bytes every run
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)


dt = datetime.datetime
workbook("microsoft-forms-signups.xlsx", "Sheet1", [
    ["ID", "Start time", "Completion time", "Email", "Name", "Which programs would you like to join?",
     "Mentor or mentee?", "What can you help others with?", "What would you like to grow in?"],
    [1, dt(2026, 11, 2, 9, 10, 2), dt(2026, 11, 2, 9, 14, 33), "dee.evans@northwind.example", "Dee Evans",
     "Peer Circles;", None, "writing;budgeting;", "sql;"],
    [2, dt(2026, 11, 2, 9, 20, 0), dt(2026, 11, 2, 9, 21, 40), "eve.fox@northwind.example", "Eve Fox",
     "Peer Circles;Leadership Mentoring;", "Mentor", "branding;public speaking;", "negotiation;"],
], inline={(3, 5)})

d = datetime.date
workbook("workday-people.xlsx", "Workers", [
    ["Employee ID", "Legal Name", "Work Email", "Job Profile", "Supervisory Organization", "Team", "Manager Email",
     "Location", "Management Level", "Hire Date", "Worker Type"],
    ["E10234", "Ada Lovelace", "Ada.Lovelace@northwind.example", "Staff Engineer", "Engineering", "Compilers", None, "London", "L5", d(2019, 3, 4), "Regular"],
    ["E10235", "Chen, Bo", "bo.chen@northwind.example", "Account Executive", "Sales", "EMEA", "ada.lovelace@northwind.example", "New York", "L3", d(2021, 11, 15), "Regular"],
    ["E10236", "Cy Diaz", "cy.diaz@northwind.example", "Software Engineer", "Engineering", "Compilers", "ada.lovelace@northwind.example", "London", "L2", d(2023, 1, 10), "Regular"],
    ["E10237", "Dee Evans", "dee.evans@northwind.example", "Financial Analyst", "Finance", "Planning", "E10234", "Bengaluru", "L2", d(2022, 7, 1), "Regular"],
    ["E10238", "Eve Fox", "eve.fox@northwind.example", "Senior Designer", "Design", "Brand", None, "London", "L4", d(2018, 12, 31), "Regular"],
    ["E10239", "Fay Gill", "fay.gill@northwind.example", "Recruiter", "People", "Talent", "eve.fox@northwind.example", "New York", "L3", d(2020, 2, 29), "Contractor"],
])

# Bad answers, for the positions of errors: Sheet1!F2 (unknown program), Sheet1!G2 (role).
workbook("microsoft-forms-bad.xlsx", "Sheet1", [
    ["ID", "Start time", "Completion time", "Email", "Name", "Which programs would you like to join?",
     "Mentor or mentee?", "What can you help others with?", "What would you like to grow in?"],
    [1, dt(2026, 11, 2, 9, 10, 2), dt(2026, 11, 2, 9, 14, 33), "dee.evans@northwind.example", "Dee Evans",
     "Peer Circle;", "Mentorr", "writing;", "sql;"],
])

# Rows out of time order: Dee's newer answer (9:14:33) comes before an older one (the day before).
workbook("microsoft-forms-reordered.xlsx", "Sheet1", [
    ["ID", "Start time", "Completion time", "Email", "Name", "Which programs would you like to join?",
     "Mentor or mentee?", "What can you help others with?", "What would you like to grow in?"],
    [2, dt(2026, 11, 2, 9, 20, 0), dt(2026, 11, 2, 9, 21, 40), "eve.fox@northwind.example", "Eve Fox",
     "Peer Circles;Leadership Mentoring;", "Mentor", "branding;public speaking;", "negotiation;"],
    [3, dt(2026, 11, 2, 9, 10, 2), dt(2026, 11, 2, 9, 14, 33), "dee.evans@northwind.example", "Dee Evans",
     "Peer Circles;", None, "writing;budgeting;", "sql;"],
    [1, dt(2026, 11, 1, 17, 2, 0), dt(2026, 11, 1, 17, 5, 12), "dee.evans@northwind.example", "Dee Evans",
     "Leadership Mentoring;", "Mentee", "spreadsheets;", "public speaking;"],
])

CHECKIN_HEADER = ["ID", "Start time", "Completion time", "Email", "Name", "Did you meet?", "Rating", "Comments"]
workbook("microsoft-forms-checkins.xlsx", "Sheet1", [
    CHECKIN_HEADER,
    [1, dt(2027, 1, 12, 9, 10, 0), dt(2027, 1, 12, 9, 14, 33), "ada.lovelace@northwind.example", "Ada Lovelace", "Yes", 5,
     "Great chat, thanks!\nWe will meet again."],
    [2, dt(2027, 1, 13, 18, 0, 0), dt(2027, 1, 13, 18, 2, 10), "bo.chen@northwind.example", "Chen, Bo", "Yes", 4, None],
    [3, dt(2027, 1, 25, 11, 58, 0), dt(2027, 1, 25, 12, 0, 0), "cy.diaz@northwind.example", "Cy Diaz", "No", None,
     "Could not find a time, sadly"],
])

workbook("microsoft-forms-checkins-bad.xlsx", "Sheet1", [
    CHECKIN_HEADER,
    [1, dt(2027, 1, 12, 9, 10, 0), dt(2027, 1, 12, 9, 14, 33), "ada.lovelace@northwind.example", "Ada Lovelace", "Yes", 5, None],
    [2, dt(2027, 1, 13, 18, 0, 0), dt(2027, 1, 13, 18, 2, 10), "bo.chen@northwind.example", "Chen, Bo", "Yes", 9, None],
    [3, dt(2027, 1, 25, 11, 58, 0), dt(2027, 1, 25, 12, 0, 0), "zed@northwind.example", "Zed", "No", None, None],
])
