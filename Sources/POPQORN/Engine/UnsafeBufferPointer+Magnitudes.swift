extension UnsafeBufferPointer where Element == Double {
    /// sum |x_i|, in four interleaved partial sums.
    ///
    /// A single running sum is a chain of dependent additions that the compiler may not reorder (it would
    /// change the rounding), so it runs at one element per addition latency; four independent sums fill
    /// the vector unit. The result differs from a left-to-right sum only in rounding, and every bound that
    /// reads one of these sums allows for the rounding of any order of summing n terms (gamma_n times the
    /// sum of magnitudes; four partial sums of about n / 4 terms each stay within it).
    func sumOfMagnitudes() -> Double {
        var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
        let quads = count / 4 * 4
        var i = 0
        while i < quads {
            s0 += abs(self[i])
            s1 += abs(self[i &+ 1])
            s2 += abs(self[i &+ 2])
            s3 += abs(self[i &+ 3])
            i &+= 4
        }
        while i < count {
            s0 += abs(self[i])
            i &+= 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// sum mask_i |x_i| over a mask of 0s and 1s as long as this buffer (the products are exact), in four
    /// interleaved partial sums (see `sumOfMagnitudes`).
    func sumOfMagnitudes(maskedBy mask: UnsafeBufferPointer<Double>) -> Double {
        var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
        let quads = count / 4 * 4
        var i = 0
        while i < quads {
            s0 += mask[i] * abs(self[i])
            s1 += mask[i &+ 1] * abs(self[i &+ 1])
            s2 += mask[i &+ 2] * abs(self[i &+ 2])
            s3 += mask[i &+ 3] * abs(self[i &+ 3])
            i &+= 4
        }
        while i < count {
            s0 += mask[i] * abs(self[i])
            i &+= 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// sum x_i^2, in four interleaved partial sums (see `sumOfMagnitudes`).
    func sumOfSquares() -> Double {
        var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
        let quads = count / 4 * 4
        var i = 0
        while i < quads {
            s0 += self[i] * self[i]
            s1 += self[i &+ 1] * self[i &+ 1]
            s2 += self[i &+ 2] * self[i &+ 2]
            s3 += self[i &+ 3] * self[i &+ 3]
            i &+= 4
        }
        while i < count {
            s0 += self[i] * self[i]
            i &+= 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// max |x_i| (0 when empty); exact in any order.
    func largestMagnitude() -> Double {
        var (m0, m1, m2, m3) = (0.0, 0.0, 0.0, 0.0)
        let quads = count / 4 * 4
        var i = 0
        while i < quads {
            m0 = Swift.max(m0, abs(self[i]))
            m1 = Swift.max(m1, abs(self[i &+ 1]))
            m2 = Swift.max(m2, abs(self[i &+ 2]))
            m3 = Swift.max(m3, abs(self[i &+ 3]))
            i &+= 4
        }
        while i < count {
            m0 = Swift.max(m0, abs(self[i]))
            i &+= 1
        }
        return Swift.max(Swift.max(m0, m1), Swift.max(m2, m3))
    }
}
