package io.flowwatch.plugin.rules.pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FilterPatternSyntaxTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = "::", quoteCharacter = '\'', textBlock = """
            [a, b :: 5 :: expected ',' or ']'
            [a, b c] :: 6 :: expected '=', '!=', '<', '<=', '>' or '>=' after the field name 'b'
            [a=] :: 3 :: expected a value after '='
            [a =   , b] :: 7 :: expected a value after '='
            [a<x] :: 3 :: expected a number after '<'
            [a>=4*] :: 4 :: expected a number after '>='
            [a=1 && b=2] :: 8 :: expected the field name 'a'
            [a=1 || ] :: 8 :: expected the field name 'a' after '||'
            [a=1 & a=2] :: 5 :: expected ',' or ']'
            [..., a, ...] :: 9 :: only one '...' is allowed
            [] :: 1 :: expected a field name or '...'
            [ ] :: 2 :: expected a field name or '...'
            [a] b :: 4 :: expected the end of the pattern after ']'
            [a, (b=1)] :: 4 :: expected a field name, '...', ',' or ']'
            [a="x] :: 6 :: expected '"' to close the quote opened at position 3
            [a=%x.*%] :: 3 :: regular expressions (%...%) are not supported
            ERROR-CODE :: 5 :: expected a space after the term 'ERROR'
            ERROR - :: 7 :: expected a term after '-'
            ? :: 1 :: expected a term after '?'
            10.0.1.5 :: 2 :: put terms with other characters than letters, digits and '_' in double quotes
            "a"b :: 3 :: expected a space after the term 'a'
            ERROR "x :: 8 :: expected '"' to close the quote opened at position 6
            { $.a = 1 } :: 0 :: JSON patterns
            %ERR% :: 0 :: regular-expression patterns
            ' *' :: 1 :: expected a term
            """)
    void reportsWhatWasExpectedAndWhere(String pattern, int position, String message) {
        assertThatThrownBy(() -> FilterPattern.compile(pattern))
                .isInstanceOf(FilterPatternException.class)
                .hasMessageContaining(message)
                .hasMessageEndingWith(" at position " + position)
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(((FilterPatternException) e).position()).isEqualTo(position));
    }
}
