extension UnsafeBufferPointer where Element == Double {
    /// sum |x_i|.
    ///
    /// Each of these reductions runs in four interleaved partial results. A single running sum is a chain
    /// of dependent additions that the compiler may not reorder (it would change the rounding), so it runs
    /// at one element per addition latency; four independent chains fill the vector unit. The result
    /// differs from a left-to-right sum only in rounding, and every bound that reads one of these sums
    /// allows for the rounding of any order of summing n terms (gamma_n times the sum of magnitudes; four
    /// partial sums of about n / 4 terms each stay within it).
    func sumOfMagnitudes() -> Double {
        reduced(+) { abs(self[$0]) }
    }

    /// sum mask_i |x_i| over a mask of 0s and 1s as long as this buffer (the products are exact).
    func sumOfMagnitudes(maskedBy mask: UnsafeBufferPointer<Double>) -> Double {
        reduced(+) { mask[$0] * abs(self[$0]) }
    }

    /// sum x_i^2.
    func sumOfSquares() -> Double {
        reduced(+) { self[$0] * self[$0] }
    }

    /// max |x_i| (0 when empty); exact in any order.
    func largestMagnitude() -> Double {
        reduced(Swift.max) { abs(self[$0]) }
    }

    /// `combine` over `term(i)` for every index, starting from 0, in four interleaved partial results.
    @inline(__always)
    private func reduced(_ combine: (Double, Double) -> Double, _ term: (Int) -> Double) -> Double {
        var (r0, r1, r2, r3) = (0.0, 0.0, 0.0, 0.0)
        let quads = count / 4 * 4
        var i = 0
        while i < quads {
            r0 = combine(r0, term(i))
            r1 = combine(r1, term(i &+ 1))
            r2 = combine(r2, term(i &+ 2))
            r3 = combine(r3, term(i &+ 3))
            i &+= 4
        }
        while i < count {
            r0 = combine(r0, term(i))
            i &+= 1
        }
        return combine(combine(r0, r1), combine(r2, r3))
    }
}
