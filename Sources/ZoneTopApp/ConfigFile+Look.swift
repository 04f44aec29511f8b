import ZoneTopFiles
import ZoneTopUI

extension ConfigFile {
  /// The standard theme with the file's `theme:` roles; errors name the file, line and role.
  public func theme() throws(ConfigFile.Error) -> Theme {
    var theme = Theme.standard
    for entry in self.theme?.value ?? [] {
      do { theme = try theme.changing(entry.value.name, to: entry.value.value) } catch {
        throw Error(description: "\(path):\(entry.line): theme.\(error.name): \(error.message)")
      }
    }
    return theme
  }

  /// The file's `keys:`; errors name the file, line and action.
  public func keyBindings() throws(ConfigFile.Error) -> KeyBindings {
    do {
      return try KeyBindings((keys?.value ?? []).map { ($0.value.name, $0.value.value) })
    } catch {
      let line = keys?.value.first { $0.value.name == error.name }?.line ?? keys?.line ?? 0
      throw Error(description: "\(path):\(line): keys.\(error.name): \(error.message)")
    }
  }
}
