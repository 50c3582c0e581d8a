package status

import (
	"io"
	"strings"
	"unicode/utf8"
)

// Colour is the colour of a table cell on a terminal.
type Colour int

// The colours a cell can have.
const (
	// Plain is the terminal's default colour.
	Plain Colour = iota
	// Green marks what is fine.
	Green
	// Yellow marks what is not done yet.
	Yellow
	// Red marks what failed.
	Red
)

// ansi are the escape sequences of the colours.
var ansi = map[Colour]string{Green: "\x1b[32m", Yellow: "\x1b[33m", Red: "\x1b[31m"}

const ansiReset = "\x1b[0m"

// Cell is one value of a table.
type Cell struct {
	// Text is the value; empty cells print as nothing (a last column) or
	// as the column's placeholder.
	Text string
	// Colour is used only on a terminal.
	Colour Colour
}

// Column is a column of a table.
type Column struct {
	// Name is the header, upper case.
	Name string
	// Wide columns are shown only with -o wide.
	Wide bool
}

// Table is what a view prints: columns and rows of cells.
type Table struct {
	// Columns are the columns in order.
	Columns []Column
	// Rows are the rows in order, each with one cell per column.
	Rows [][]Cell
}

// RenderOptions say how a table is printed.
type RenderOptions struct {
	// Wide shows the wide columns.
	Wide bool
	// NoHeaders leaves out the header row.
	NoHeaders bool
	// Colour prints coloured cells with ANSI escapes.
	Colour bool
	// MinWidths are minimum column widths by column index, so that rows
	// printed later (by -w) line up with an earlier table.
	MinWidths []int
}

// columnGap separates columns, as kubectl's tables do.
const columnGap = "   "

// Render prints the table with columns aligned on the width of their
// longest value; trailing blanks are trimmed.
func Render(w io.Writer, t Table, opts RenderOptions) error {
	visible := visibleColumns(t, opts)
	widths := ColumnWidths(t, opts)
	var b strings.Builder
	line := func(cells func(i int) Cell) {
		var l strings.Builder
		for n, i := range visible {
			c := cells(i)
			if n > 0 {
				l.WriteString(columnGap)
			}
			if opts.Colour && ansi[c.Colour] != "" && c.Text != "" {
				l.WriteString(ansi[c.Colour] + c.Text + ansiReset)
			} else {
				l.WriteString(c.Text)
			}
			if n < len(visible)-1 {
				l.WriteString(strings.Repeat(" ", max(0, widths[i]-utf8.RuneCountInString(c.Text))))
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteByte('\n')
	}
	if !opts.NoHeaders {
		line(func(i int) Cell { return Cell{Text: t.Columns[i].Name} })
	}
	for _, row := range t.Rows {
		line(func(i int) Cell {
			if i < len(row) {
				return row[i]
			}
			return Cell{}
		})
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// visibleColumns returns the indexes of the columns to print.
func visibleColumns(t Table, opts RenderOptions) []int {
	visible := make([]int, 0, len(t.Columns))
	for i, c := range t.Columns {
		if !c.Wide || opts.Wide {
			visible = append(visible, i)
		}
	}
	return visible
}

// ColumnWidths returns the width of every column as Render prints it.
func ColumnWidths(t Table, opts RenderOptions) []int {
	visible := visibleColumns(t, opts)
	widths := make([]int, len(t.Columns))
	copy(widths, opts.MinWidths)
	if !opts.NoHeaders {
		for _, i := range visible {
			widths[i] = max(widths[i], utf8.RuneCountInString(t.Columns[i].Name))
		}
	}
	for _, row := range t.Rows {
		for _, i := range visible {
			if i < len(row) {
				widths[i] = max(widths[i], utf8.RuneCountInString(row[i].Text))
			}
		}
	}
	return widths
}
