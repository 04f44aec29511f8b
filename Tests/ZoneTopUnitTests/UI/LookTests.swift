import Testing
import ZoneTopApp
import ZoneTopFiles
import ZoneTopTraffic
import ZoneTopUI

/// The config file's `theme:` and `keys:`: what they change, and errors that name the line.
@Suite struct LookTests {
  @Test func stylesAreReadAsAUserWritesThem() throws {
    #expect(try Theme.parseStyle("yellow bold") == Theme.Style(.index(3), bold: true))
    #expect(try Theme.parseStyle("Black on Cyan") == Theme.Style(.index(0), on: .index(6)))
    #expect(try Theme.parseStyle("208 on default underline") == Theme.Style(.index(208), underline: true))
    #expect(try Theme.parseStyle("bright-red dim") == Theme.Style(.index(9), dim: true))
    #expect(try Theme.parseStyle("on blue") == Theme.Style(on: .index(4)))
    for (bad, says) in [
      ("", "expected a style"), ("purple", "\"purple\" is not a colour"), ("256", "is not a colour"),
      ("red on", "\"on\" needs a background"), ("red green", "one foreground colour"),
    ] {
      #expect(throws: Theme.Problem.self) { try Theme.parseStyle(bad) }
      do { _ = try Theme.parseStyle(bad) } catch { #expect(error.message.contains(says), "\(bad): \(error)") }
    }
  }

  @Test func aRoleChangesAloneAndEveryRoleHasAName() throws {
    let theme = try Theme.standard.changing("warning", to: "magenta").changing("column-header", to: "white")
    #expect(theme.style(.warning) == Theme.Style(.index(5)))
    #expect(theme.style(.columnHeader) == Theme.Style(.index(7)))
    #expect(theme.style(.error) == Theme.standard.style(.error))
    #expect(Set(Theme.roleNames).count == Role.allCases.count)
    #expect(Role.allCases.allSatisfy { Theme.role(named: Theme.name(of: $0)) == $0 })
    #expect(Role.allCases.allSatisfy { Theme.standard.styles[$0] != nil })
    do {
      _ = try Theme.standard.changing("warnings", to: "red")
      Issue.record("an unknown role was accepted")
    } catch {
      #expect(error.name == "warnings" && error.message.contains("roles: normal, title"), "\(error)")
    }
  }

  @Test func aMovedKeyDoesItsActionAndTheOldOneNothing() throws {
    let keys = try KeyBindings([("quit", "Q"), ("costliest", "x")])
    var s = AppState(sourceLabel: "t", isDemo: false, isReplay: false)
    s.keys = keys
    #expect(s.update(.char("q")).isEmpty)
    #expect(s.status?.contains("q was moved") == true)
    #expect(s.update(.char("Q")) == [.quit])
    // Keys nobody moved, and views and movement, are as built in.
    s.update(.char("3"))
    #expect(s.view == .flows)
    #expect(s.update(.char("e")) == [.export(.flows)])
    // Typing in the filter prompt is never translated.
    s.update(.char("/"))
    s.update(.char("Q"))
    #expect(s.filterDraft == "Q")
    s.update(.escape)
    // The footer and the help show the keys in force.
    s.keys = try KeyBindings([("quit", "Q"), ("costliest", "x"), ("help", "!")])
    let lines = Renderer.render(s, width: 120, height: 40).0.lines
    #expect(lines[0].hasSuffix("! help"), "\(lines[0])")
    let footer = lines[39]
    #expect(footer.contains("Q quit") && !footer.contains("q quit"), "\(footer)")
    s.update(.char("!"))
    let help = Renderer.render(s, width: 120, height: 40).0.lines.joined(separator: "\n")
    #expect(
      help.contains("Moved") && help.contains("Q quit (not q) · ! help (not ?) · x costliest cell (not c)"), "\(help)")
    #expect(help.contains("x costliest cell · u units") && help.contains("! help · Q quit"), "\(help)")
  }

  @Test(arguments: [
    ([("quitt", "Q")], "quitt", "not an action"),
    ([("quit", "QQ")], "quit", "expected one printable character"),
    ([("quit", "j")], "quit", "kept for views and movement"),
    ([("quit", "x"), ("help", "x")], "help", "\"x\" is already the key of quit"),
    ([("quit", "u")], "quit", "\"u\" is the key of units; give units another key too"),
  ])
  func keysThatCannotWorkAreRefused(_ entries: [(String, String)], _ name: String, _ says: String) {
    do {
      _ = try KeyBindings(entries.map { (action: $0.0, key: $0.1) })
      Issue.record("\(entries) was accepted")
    } catch {
      #expect(error.name == name && error.message.contains(says), "\(error)")
    }
  }

  @Test func swappingTwoKeysIsAllowed() throws {
    let keys = try KeyBindings([("quit", "u"), ("units", "q")])
    #expect(keys.translate(.char("u")) == .char("q"))
    #expect(keys.translate(.char("q")) == .char("u"))
    #expect(keys.translate(.up) == .up)
  }

  @Test func theConfigFileSetsThemeKeysAndZoneWithLines() throws {
    let yaml = """
      zone: us-east1-b
      theme:
        warning: magenta bold
        selected: black on green
      keys:
        quit: Q
        help: "!"
      """
    let c = try ConfigFile.parse(yaml, path: "z.yaml")
    #expect(c.zone == .init(value: "us-east1-b", line: 1))
    #expect(c.theme?.line == 2 && c.theme?.value.map(\.line) == [3, 4])
    #expect(try c.theme().style(.selected) == Theme.Style(.index(0), on: .index(2)))
    #expect(try c.keyBindings().translate(.char("!")) == .char("?"))
    for (bad, says) in [
      ("theme:\n  warning: purple\n", "z.yaml:2: theme.warning: \"purple\" is not a colour"),
      ("theme: red\n", "z.yaml:1: theme: expected a mapping such as \"warning: magenta bold\""),
      ("keys:\n  quit: Q\n  help: Q\n", "z.yaml:3: keys.help: \"Q\" is already the key of quit"),
      ("keys:\n\n  sing: x\n", "z.yaml:3: keys.sing: not an action"),
    ] {
      do {
        let file = try ConfigFile.parse(bad, path: "z.yaml")
        _ = try file.theme()
        _ = try file.keyBindings()
        Issue.record("\(bad) was accepted")
      } catch {
        #expect(error.description.hasPrefix(says), "\(error.description)")
      }
    }
  }
}
