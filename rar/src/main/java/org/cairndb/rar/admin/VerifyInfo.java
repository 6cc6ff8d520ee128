package org.cairndb.rar.admin;

import java.util.List;
import javax.management.ConstructorParameters;

/** What verify found. An MXBean type: a CompositeData for JMX clients without Cairn classes. */
public final class VerifyInfo {

    private final boolean ok;
    private final List<String> problems;
    private final List<String> warnings;
    private final String summary;

    @ConstructorParameters({"ok", "problems", "warnings", "summary"})
    public VerifyInfo(boolean ok, List<String> problems, List<String> warnings, String summary) {
        this.ok = ok;
        this.problems = problems == null ? List.of() : List.copyOf(problems);
        this.warnings = warnings == null ? List.of() : List.copyOf(warnings);
        this.summary = summary;
    }

    /** True when no problem was found. */
    public boolean isOk() {
        return ok;
    }

    /** Every problem, with file and offset. */
    public List<String> getProblems() {
        return problems;
    }

    /** Findings that need no action. */
    public List<String> getWarnings() {
        return warnings;
    }

    /** What was checked. */
    public String getSummary() {
        return summary;
    }

    @Override
    public String toString() {
        return "VerifyInfo[ok=" + ok + ", problems=" + problems + ", warnings=" + warnings + ", summary=" + summary + "]";
    }
}
