import GuardService

/// A model entry of `config/guard.yaml` (one item of `models:`), indented to paste under `models:`.
/// Only keys that differ from the defaults the loader applies are left out (`expose: full`, an empty
/// `allow_overrides`, no `deadline_ms`).
public func policyYAML(_ policy: ModelPolicy) -> String {
    var lines = [
        "  - name: \(policy.name)",
        "    path: \(policy.path)",
        "    certify:",
        "      norm: \(policy.certify.norm.rawValue)",
        "      frames: \(policy.certify.frames.description)",
        "      mode: \(policy.certify.mode.rawValue)",
    ]
    if let deadline = policy.certify.deadlineMilliseconds { lines.append("      deadline_ms: \(formatted(deadline))") }
    if !policy.certify.allowOverrides.isEmpty {
        let keys = OverrideKey.allCases.filter(policy.certify.allowOverrides.contains).map(\.rawValue)
        lines.append("      allow_overrides: [\(keys.joined(separator: ", "))]")
    }
    lines += [
        "    decide:",
        "      accept_at_or_above: \(policy.decide.acceptAtOrAbove)",
        "      refuse_below: \(policy.decide.refuseBelow)",
        "      on_deadline: \(policy.decide.onDeadline.rawValue)",
    ]
    if policy.expose != .full { lines.append("    expose: \(policy.expose.rawValue)") }
    return lines.joined(separator: "\n") + "\n"
}
