import Foundation
import ZoneTopExposition

// MARK: - The fields of an API answer that zonetop reads

/// `{"status":…, "error":…, "data":{"result":[…]}}`; anything else in it is skipped.
struct APIDocument: Decodable {
  var status: String?
  var error: String?
  var data: APIData?

  enum CodingKeys: String, CodingKey { case status, error, data }

  init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    status = try? c.decodeIfPresent(String.self, forKey: .status)
    error = try? c.decodeIfPresent(String.self, forKey: .error)
    // A `data` of the wrong shape is "no data.result", not "not API JSON".
    data = try? c.decodeIfPresent(APIData.self, forKey: .data)
  }
}

struct APIData: Decodable {
  var result: [APIResult]?
}

/// One series: `metric` and either `value` (a vector) or `values` (a matrix).
struct APIResult: Decodable {
  var metric: [String: APILabel]?
  var value: APIPoint?
  var values: [APIPoint]?

  enum CodingKeys: String, CodingKey { case metric, value, values }

  init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    metric = try? c.decodeIfPresent([String: APILabel].self, forKey: .metric)
    value = try? c.decodeIfPresent(APIPoint.self, forKey: .value)
    values = try? c.decodeIfPresent([APIPoint].self, forKey: .values)
  }
}

/// A label value: a string, or nil for any other JSON (left out of the labels).
struct APILabel: Decodable {
  var text: String?

  init(from decoder: any Decoder) throws {
    text = try? decoder.singleValueContainer().decode(String.self)
  }
}

/// A JSON scalar as far as an answer's points care: a number, a string, or something else.
///
/// Decoded as the type expected first (a number for a time, a string for a value): a failed
/// attempt throws an error that costs far more than the decoding, and 10^6 series have 2 x 10^6 scalars.
enum APIScalar {
  case number(Double)
  case string(String)
  case other(String)

  init(from c: any SingleValueDecodingContainer, numberFirst: Bool) {
    if numberFirst, let d = try? c.decode(Double.self) {
      self = .number(d)
    } else if let s = try? c.decode(String.self) {
      self = .string(s)
    } else if !numberFirst, let d = try? c.decode(Double.self) {
      self = .number(d)
    } else if c.decodeNil() {
      self = .other("null")
    } else if let b = try? c.decode(Bool.self) {
      self = .other(b ? "true" : "false")
    } else {
      self = .other("not a number or a string")
    }
  }

  /// The value in words, short and without control characters.
  var words: String {
    switch self {
    case .number(let d): Sanitize.short(d.description)
    case .string(let s): "\"" + Sanitize.short(s) + "\""
    case .other(let s): "(\(s))"
    }
  }
}

/// `[time, "value"]`; `isPair` is false for an array of another length (skipped).
struct APIPoint: Decodable {
  var time: APIScalar
  var value: APIScalar
  var isPair: Bool

  init(from decoder: any Decoder) throws {
    var c = try decoder.unkeyedContainer()
    var items: [APIScalar] = []
    while !c.isAtEnd, items.count < 3 {
      items.append(items.isEmpty ? try c.decode(APITime.self).scalar : try c.decode(APIValue.self).scalar)
    }
    isPair = items.count == 2 && c.isAtEnd
    time = items.first ?? .other("none")
    value = items.count > 1 ? items[1] : .other("none")
  }
}

/// A point's first element, read as a number first.
private struct APITime: Decodable {
  var scalar: APIScalar
  init(from decoder: any Decoder) throws {
    scalar = APIScalar(from: try decoder.singleValueContainer(), numberFirst: true)
  }
}

/// A point's second element, read as a string first.
private struct APIValue: Decodable {
  var scalar: APIScalar
  init(from decoder: any Decoder) throws {
    scalar = APIScalar(from: try decoder.singleValueContainer(), numberFirst: false)
  }
}
