// Grade colours and labels from the server's legend (geo/grades.py), and readable text on them.

/**
 * `Map(grade → {grade, label, colour})` from the legend the API sends; null is the class of no
 * grade (the meeting reads both sides' grades, none of them hidden).
 */
export function legendByGrade(legend) {
  const shown = legend.filter((entry) => entry.status !== "hidden");
  return new Map(shown.map((entry) => [entry.grade, entry]));
}

/** Dark or white text, whichever reads best on `hex` (WCAG relative luminance). */
export function textOn(hex) {
  const channel = (start) => {
    const value = Number.parseInt(hex.slice(start, start + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return luminance > 0.22 ? "#111827" : "#ffffff";
}

/** Paint `node` in the colour of `grade` (or the ungraded class when it is null). */
export function paint(node, legend, grade) {
  const entry = legend.get(grade ?? null) ?? legend.get(null);
  node.style.backgroundColor = entry.colour;
  node.style.color = textOn(entry.colour);
  return entry;
}
