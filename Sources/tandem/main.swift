import TandemKit
print(TandemKitVersion.string)
