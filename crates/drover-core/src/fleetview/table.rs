//! Plain tables in kubectl's style: upper-case headers, no borders, columns separated by at
//! least two spaces, every line without trailing blanks.

/// Gap between two columns.
const GAP: usize = 2;

/// A table of text cells; every row has as many cells as there are headers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers (written as given: pass them upper-case).
    pub fn new<I, S>(headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row. Missing cells are left empty, surplus cells dropped.
    pub fn row<I, S>(&mut self, cells: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut row: Vec<String> = cells.into_iter().map(Into::into).collect();
        row.resize(self.headers.len(), String::new());
        self.rows.push(row);
    }

    /// Number of rows (headers excluded).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as text, one line per row after the header line, each ending in `\n`.
    /// Columns are as wide as their widest cell (in characters); the last column is not padded.
    /// Line breaks inside cells are replaced by spaces so that every row stays on one line.
    pub fn render(&self) -> String {
        let clean = |cell: &str| cell.replace(['\n', '\r', '\t'], " ");
        let lines: Vec<Vec<String>> = std::iter::once(&self.headers)
            .chain(&self.rows)
            .map(|row| row.iter().map(|cell| clean(cell)).collect())
            .collect();
        let mut widths = vec![0; self.headers.len()];
        for line in &lines {
            for (width, cell) in widths.iter_mut().zip(line) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for line in &lines {
            let mut text = String::new();
            for (index, (cell, width)) in line.iter().zip(&widths).enumerate() {
                text.push_str(cell);
                if index + 1 < line.len() {
                    let pad = width - cell.chars().count() + GAP;
                    text.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_with_two_space_gaps_and_no_trailing_blanks() {
        let mut table = Table::new(["NAME", "PHASE", "MESSAGE"]);
        table.row(["payments-prod", "Ready", ""]);
        table.row(["web", "Provisioning", "waiting for the control plane"]);
        assert_eq!(
            table.render(),
            "NAME           PHASE         MESSAGE\n\
             payments-prod  Ready\n\
             web            Provisioning  waiting for the control plane\n"
        );
    }

    #[test]
    fn widths_count_characters_not_bytes() {
        let mut table = Table::new(["TREE", "X"]);
        table.row(["├─a", "1"]);
        table.row(["abcd", "2"]);
        assert_eq!(table.render(), "TREE  X\n├─a   1\nabcd  2\n");
    }

    #[test]
    fn rows_are_padded_or_cut_to_the_headers_and_newlines_flattened() {
        let mut table = Table::new(["A", "B"]);
        table.row(["only"]);
        table.row(["x", "two\nlines", "surplus"]);
        assert_eq!(table.len(), 2);
        assert_eq!(table.render(), "A     B\nonly\nx     two lines\n");
    }
}
