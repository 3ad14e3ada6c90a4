import Matching
print(maximumWeightMatching(vertexCount: 2, edges: [WeightedEdge(0, 1, 1)]).totalWeight)
