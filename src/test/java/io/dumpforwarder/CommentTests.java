package io.dumpforwarder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps {@code //} comments whole: spring-javaformat wraps a comment line past its width
 * but never joins the short line it leaves with the next, so an edited comment can end up
 * cut into fragments ("... counts), where" / "Reactor Netty would take ..."). A line of a
 * comment that ends mid-sentence although the next line's first word would have fit on it
 * is such a fragment: reflow the comment to {@value #WIDTH} columns.
 */
class CommentTests {

    private static final int WIDTH = 90;

    private static final Pattern LINE_COMMENT = Pattern.compile("^(\\s*)// (.*)$");

    @Test
    void noLineCommentIsCutIntoFragments() throws IOException {
        List<String> fragments = new ArrayList<>();
        int comments = 0;
        for (String root : List.of("src/main/java", "src/test/java")) {
            try (Stream<Path> files = Files.walk(Path.of(root))) {
                for (Path file : files.filter((path) -> path.toString().endsWith(".java")).toList()) {
                    List<String> lines = Files.readAllLines(file);
                    for (int i = 0; i + 1 < lines.size(); i++) {
                        Matcher line = LINE_COMMENT.matcher(lines.get(i));
                        Matcher next = LINE_COMMENT.matcher(lines.get(i + 1));
                        if (line.matches()) {
                            comments++;
                        }
                        if (line.matches() && next.matches() && line.group(1).equals(next.group(1))
                                && isFragment(lines.get(i).stripTrailing(), next.group(2))) {
                            fragments.add(file + ":" + (i + 1) + ": " + lines.get(i).strip());
                        }
                    }
                }
            }
        }
        assertThat(comments).as("comment lines read").isGreaterThan(100);
        assertThat(fragments).isEmpty();
    }

    private static boolean isFragment(String line, String next) {
        if (line.matches(".*[.:;!?]$") || line.contains("@formatter") || next.matches("^[-*(0-9].*")) {
            return false;
        }
        String firstWord = next.split(" ", 2)[0];
        return line.length() + 1 + firstWord.length() <= WIDTH;
    }

}
