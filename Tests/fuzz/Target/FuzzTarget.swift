// The fuzz target for the roster and front-matter loaders.
//
// Fuzzing build (libFuzzer provides `main`):
//   swift build --product tandem-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
//     -Xswiftc -DTANDEM_FUZZING -Xcc -fsanitize=fuzzer-no-link,address
//   .build/debug/tandem-fuzz Tests/fuzz/corpus -max_total_time=600
// See Tests/fuzz/README.md. In an ordinary build this is a replayer: `tandem-fuzz FILE…` runs
// each file through the loaders once, so a crashing input can be debugged without libFuzzer.
import Foundation
@_spi(Fuzzing) import TandemKit

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = LoaderFuzzing.run(bytes)
    return 0
}

#if TANDEM_FUZZING
// SwiftPM links an executable with `main` aliased to `tandem_fuzz_main`, which would hide
// libFuzzer's own `main`; this one hands control straight to libFuzzer's driver. (Declared
// with @_silgen_name to spare a C module for one prototype: pointer and integer arguments
// pass the same way in Swift's and C's conventions on the platforms that run the fuzzer.)
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> CInt

@_cdecl("tandem_fuzz_main")
func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
#else
@main struct Replay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("tandem-fuzz: cannot read \(path)")
                exit(1)
            }
            print("\(path): \(LoaderFuzzing.run([UInt8](data)).count) diagnostics")
        }
    }
}
#endif
