# Source it: make_pdf OUT PAGES TITLE [LINE...] writes a small but real PDF
# (with its cross-reference table): a title, a few lines and numbered pages.
# Used by tools/demo.sh and tests/browser/make_fixture.sh.
make_pdf() {
  local LC_ALL=C out="$1" pages="$2" title="$3"; shift 3
  local nl=$'\n' font=$((3 + 2 * pages)) kids="" body="" text line i k
  local -a obj offset
  for ((i = 1; i <= pages; i++)); do
    text="BT /F1 22 Tf 72 720 Td ($title) Tj /F1 12 Tf"
    for line in "$@"; do text+=" 0 -28 Td ($line) Tj"; done
    text+=" 0 -40 Td (Page $i of $pages) Tj ET"
    kids+="$((1 + 2 * i)) 0 R "
    obj[1 + 2 * i]="<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents $((2 + 2 * i)) 0 R /Resources << /Font << /F1 $font 0 R >> >> >>"
    obj[2 + 2 * i]="<< /Length ${#text} >>${nl}stream${nl}${text}${nl}endstream"
  done
  obj[1]="<< /Type /Catalog /Pages 2 0 R >>"
  obj[2]="<< /Type /Pages /Kids [ ${kids}] /Count $pages >>"
  obj[font]="<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
  body="%PDF-1.4${nl}"
  for ((k = 1; k <= font; k++)); do
    offset[k]=${#body}
    body+="$k 0 obj${nl}${obj[k]}${nl}endobj${nl}"
  done
  local xref=${#body}
  body+="xref${nl}0 $((font + 1))${nl}"
  body+="0000000000 65535 f ${nl}"
  for ((k = 1; k <= font; k++)); do body+="$(printf '%010d' "${offset[k]}") 00000 n ${nl}"; done
  body+="trailer << /Size $((font + 1)) /Root 1 0 R >>${nl}startxref${nl}${xref}${nl}%EOF${nl}"
  printf '%s' "$body" >"$out"
}
