/// Where a matrix was drawn: what the loop needs to turn a mouse click into a cell.
public struct MatrixLayout: Equatable, Sendable {
  public var x: Int, y: Int, rowLabelWidth: Int, cellWidth: Int, firstColumn: Int, rows: Int, columns: Int

  /// The (row, column) of the cell at screen position (x, y), or nil outside the cells.
  public func cell(atX px: Int, y py: Int) -> (row: Int, column: Int)? {
    let r = py - y
    guard px >= x + rowLabelWidth else { return nil }
    let c = (px - x - rowLabelWidth) / max(1, cellWidth) + firstColumn
    guard r >= 0, r < rows, c >= 0, c < columns else { return nil }
    return (r, c)
  }
}
