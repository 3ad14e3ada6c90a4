public enum TandemKitVersion { public static let string = "0.1.0" }
