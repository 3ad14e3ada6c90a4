import Testing
@testable import TandemKit
import Matching

@Test func emptyGraphHasNoPairs() {
    #expect(maximumWeightMatching(vertexCount: 0, edges: []).pairs.isEmpty)
}
