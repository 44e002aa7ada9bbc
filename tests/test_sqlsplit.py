"""Unit tests for tests/sqlsplit.py (no server needed)."""

from __future__ import annotations

import pytest

from tests.sqlsplit import SqlSplitError, Statement, split_sql, split_statements

BOTH = ["postgres", "mysql"]


@pytest.mark.parametrize("dialect", BOTH)
def test_simple_statements(dialect: str) -> None:
    script = "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n"
    assert split_sql(script, dialect) == ["CREATE TABLE a (id int)", "CREATE TABLE b (id int)"]


@pytest.mark.parametrize("dialect", BOTH)
def test_last_statement_without_terminator(dialect: str) -> None:
    assert split_sql("SELECT 1; SELECT 2", dialect) == ["SELECT 1", "SELECT 2"]


@pytest.mark.parametrize("dialect", BOTH)
def test_empty_and_comment_only_chunks_are_dropped(dialect: str) -> None:
    script = "\n;;  ;\n-- just a comment\n/* block */;\nSELECT 1;\n-- trailing comment\n"
    assert split_sql(script, dialect) == ["SELECT 1"]


@pytest.mark.parametrize("dialect", BOTH)
def test_empty_script(dialect: str) -> None:
    assert split_sql("", dialect) == []
    assert split_sql("  \n\t\n", dialect) == []


@pytest.mark.parametrize("dialect", BOTH)
def test_semicolons_in_single_quoted_strings(dialect: str) -> None:
    script = "INSERT INTO t VALUES ('a;b', 'it''s; fine');SELECT ';'"
    assert split_sql(script, dialect) == ["INSERT INTO t VALUES ('a;b', 'it''s; fine')", "SELECT ';'"]


@pytest.mark.parametrize("dialect", BOTH)
def test_semicolons_in_double_quotes(dialect: str) -> None:
    script = 'CREATE TABLE "we;ird" ("a""b;" int); SELECT 1'
    assert split_sql(script, dialect) == ['CREATE TABLE "we;ird" ("a""b;" int)', "SELECT 1"]


@pytest.mark.parametrize("dialect", BOTH)
def test_comment_markers_inside_strings_are_text(dialect: str) -> None:
    script = "SELECT '-- not a comment; /* nor this */'; SELECT 2"
    assert split_sql(script, dialect) == ["SELECT '-- not a comment; /* nor this */'", "SELECT 2"]


@pytest.mark.parametrize("dialect", BOTH)
def test_semicolons_in_comments(dialect: str) -> None:
    script = "SELECT 1 -- one; two\n, 2; /* three; four */ SELECT 3;"
    assert split_sql(script, dialect) == ["SELECT 1 -- one; two\n, 2", "/* three; four */ SELECT 3"]


@pytest.mark.parametrize("dialect", BOTH)
def test_leading_comment_stays_with_its_statement(dialect: str) -> None:
    script = "-- users table\nCREATE TABLE users (id int);\n"
    assert split_sql(script, dialect) == ["-- users table\nCREATE TABLE users (id int)"]


@pytest.mark.parametrize("dialect", BOTH)
def test_line_numbers(dialect: str) -> None:
    script = "\n\nSELECT 1;\n\n  SELECT\n 2;\n"
    assert split_statements(script, dialect) == [Statement("SELECT 1", 3), Statement("SELECT\n 2", 5)]


@pytest.mark.parametrize("dialect", BOTH)
@pytest.mark.parametrize(
    "script",
    ["SELECT 'abc", 'SELECT "abc', "SELECT 1 /* never closed"],
)
def test_unterminated_raises(dialect: str, script: str) -> None:
    with pytest.raises(SqlSplitError, match="line 1: unterminated"):
        split_sql(script, dialect)


def test_unknown_dialect() -> None:
    with pytest.raises(ValueError, match="unknown SQL dialect"):
        split_sql("SELECT 1", "oracle")


def test_dialect_aliases() -> None:
    assert split_sql("SELECT 1;", "PostgreSQL") == ["SELECT 1"]
    assert split_sql("SELECT 1;", "mariadb") == ["SELECT 1"]


# --- PostgreSQL ------------------------------------------------------------------------------------


def test_pg_dollar_quoted_body() -> None:
    script = """
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now(); -- a comment; inside the body
  RETURN NEW;
END;
$$;
CREATE TRIGGER t BEFORE UPDATE ON x FOR EACH ROW EXECUTE FUNCTION touch();
"""
    statements = split_sql(script, "postgres")
    assert len(statements) == 2
    assert statements[0].startswith("CREATE FUNCTION touch()")
    assert statements[0].endswith("END;\n$$")
    assert statements[1].startswith("CREATE TRIGGER t")


def test_pg_tagged_dollar_quotes_nest_other_tags() -> None:
    script = "DO $outer$ BEGIN EXECUTE $q$SELECT ';'$q$; PERFORM '$$;'; END $outer$; SELECT 2;"
    assert split_sql(script, "postgres") == [
        "DO $outer$ BEGIN EXECUTE $q$SELECT ';'$q$; PERFORM '$$;'; END $outer$",
        "SELECT 2",
    ]


def test_pg_dollar_in_identifier_and_positional_parameter_are_not_quotes() -> None:
    script = "SELECT a$b$c FROM t WHERE x = $1; SELECT 2"
    assert split_sql(script, "postgres") == ["SELECT a$b$c FROM t WHERE x = $1", "SELECT 2"]


def test_pg_unterminated_dollar_quote() -> None:
    with pytest.raises(SqlSplitError, match=r"line 2: unterminated dollar-quoted string \$body\$"):
        split_sql("SELECT 1;\nDO $body$ BEGIN NULL; END $$;", "postgres")


def test_pg_escape_string() -> None:
    script = r"SELECT E'it\'s; ok', 'plain\'; SELECT 2"
    # In a standard string a backslash is an ordinary character: 'plain\' ends at the quote.
    assert split_sql(script, "postgres") == [r"SELECT E'it\'s; ok', 'plain\'", "SELECT 2"]


def test_pg_nested_block_comments() -> None:
    script = "/* outer /* inner; */ still comment; */ SELECT 1; SELECT 2"
    assert split_sql(script, "postgres") == ["/* outer /* inner; */ still comment; */ SELECT 1", "SELECT 2"]


def test_pg_hash_is_an_operator_not_a_comment() -> None:
    assert split_sql("SELECT 5 # 3; SELECT 2", "postgres") == ["SELECT 5 # 3", "SELECT 2"]


def test_pg_semicolon_inside_parentheses_does_not_split() -> None:
    # psql keeps this together; the server then reports the real syntax error.
    assert split_sql("SELECT (1; 2); SELECT 3", "postgres") == ["SELECT (1; 2)", "SELECT 3"]


def test_pg_begin_atomic_body() -> None:
    script = """
CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN a IS NULL THEN 0 ELSE a END + b;
  SELECT a + b;
END;
CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END;
BEGIN;
SELECT CASE WHEN true THEN 1 END;
END;
"""
    statements = split_sql(script, "postgres")
    assert len(statements) == 5, statements
    assert statements[0].startswith("CREATE OR REPLACE FUNCTION add")
    assert statements[0].endswith("SELECT a + b;\nEND")
    assert statements[1] == "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END"
    assert statements[2:] == ["BEGIN", "SELECT CASE WHEN true THEN 1 END", "END"]


def test_pg_delimiter_is_not_special() -> None:
    # Only MySQL has the client-side DELIMITER command.
    assert split_sql("DELIMITER //\nSELECT 1;", "postgres") == ["DELIMITER //\nSELECT 1"]


def test_pg_double_dash_needs_no_space() -> None:
    assert split_sql("SELECT 1 --comment; here\n; SELECT 2", "postgres") == [
        "SELECT 1 --comment; here",
        "SELECT 2",
    ]


# --- MySQL / MariaDB -----------------------------------------------------------------------------


def test_mysql_backslash_escapes_in_strings() -> None:
    script = r"""INSERT INTO t VALUES ('it\'s; here', "x\"; y", 'a\\'); SELECT 2"""
    assert split_sql(script, "mysql") == [
        r"""INSERT INTO t VALUES ('it\'s; here', "x\"; y", 'a\\')""",
        "SELECT 2",
    ]


def test_mysql_backquoted_identifiers() -> None:
    script = "CREATE TABLE `a;b` (`c``;` int); SELECT 2"
    assert split_sql(script, "mysql") == ["CREATE TABLE `a;b` (`c``;` int)", "SELECT 2"]


def test_mysql_hash_comment() -> None:
    assert split_sql("SELECT 1 # note; here\n; SELECT 2", "mysql") == ["SELECT 1 # note; here", "SELECT 2"]


def test_mysql_double_dash_needs_white_space() -> None:
    # '1--1' is 1 minus minus 1 in MySQL, not a comment.
    assert split_sql("SELECT 1--1; SELECT 2", "mysql") == ["SELECT 1--1", "SELECT 2"]
    assert split_sql("SELECT 1 -- c;\n; SELECT 2", "mysql") == ["SELECT 1 -- c;", "SELECT 2"]


def test_mysql_dollar_is_not_a_quote() -> None:
    assert split_sql("SELECT '$$'; SELECT $$;", "mysql") == ["SELECT '$$'", "SELECT $$"]


def test_mysql_block_comments_do_not_nest() -> None:
    script = "/* a /* b */ SELECT 1; SELECT 2"
    assert split_sql(script, "mysql") == ["/* a /* b */ SELECT 1", "SELECT 2"]


def test_mysql_executable_comment_is_a_statement() -> None:
    script = "/*!40101 SET NAMES utf8mb4 */;\n/* plain */;\nSELECT 1;"
    assert split_sql(script, "mysql") == ["/*!40101 SET NAMES utf8mb4 */", "SELECT 1"]


TRIGGER_SCRIPT = """\
CREATE TABLE t (id INT PRIMARY KEY, n INT);

DELIMITER //
CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW
BEGIN
  IF NEW.n IS NULL THEN
    SET NEW.n = 0; -- default; here
  END IF;
END//
CREATE TRIGGER t_bu BEFORE UPDATE ON t FOR EACH ROW
BEGIN
  SET NEW.n = NEW.n + 1;
END //
DELIMITER ;

INSERT INTO t (id) VALUES (1);
"""


def test_mysql_delimiter_command() -> None:
    statements = split_statements(TRIGGER_SCRIPT, "mysql")
    texts = [s.text for s in statements]
    assert len(texts) == 4, texts
    assert texts[0] == "CREATE TABLE t (id INT PRIMARY KEY, n INT)"
    assert texts[1].startswith("CREATE TRIGGER t_bi")
    assert texts[1].endswith("END IF;\nEND")
    assert (
        texts[2]
        == "CREATE TRIGGER t_bu BEFORE UPDATE ON t FOR EACH ROW\nBEGIN\n  SET NEW.n = NEW.n + 1;\nEND"
    )
    assert texts[3] == "INSERT INTO t (id) VALUES (1)"
    assert [s.line for s in statements] == [1, 4, 10, 16]
    assert not any("DELIMITER" in t for t in texts)


def test_mysql_delimiter_is_case_insensitive_and_may_be_quoted() -> None:
    script = "delimiter '$$'\nCREATE PROCEDURE p() BEGIN SELECT 1; END$$\nDelimiter ;\nSELECT 2;"
    assert split_sql(script, "mysql") == ["CREATE PROCEDURE p() BEGIN SELECT 1; END", "SELECT 2"]


def test_mysql_double_semicolon_delimiter_like_mysqldump() -> None:
    script = (
        "DELIMITER ;;\n"
        "CREATE TRIGGER x BEFORE INSERT ON t FOR EACH ROW BEGIN SET @a = 1; END ;;\n"
        "DELIMITER ;\n"
    )
    assert split_sql(script, "mysql") == [
        "CREATE TRIGGER x BEFORE INSERT ON t FOR EACH ROW BEGIN SET @a = 1; END"
    ]


def test_mysql_custom_delimiter_inside_strings_and_comments_is_text() -> None:
    script = "DELIMITER //\nSELECT '//' /* // */ -- //\n//\nDELIMITER ;\n"
    assert split_sql(script, "mysql") == ["SELECT '//' /* // */ -- //"]


def test_mysql_delimiter_word_inside_a_statement_is_a_column() -> None:
    script = "CREATE TABLE csv (\n  delimiter VARCHAR(4),\n  id INT\n);\nSELECT 1;"
    assert split_sql(script, "mysql") == [
        "CREATE TABLE csv (\n  delimiter VARCHAR(4),\n  id INT\n)",
        "SELECT 1",
    ]


def test_mysql_delimiter_with_crlf_line_endings() -> None:
    script = "DELIMITER //\r\nSELECT 1; SELECT 2//\r\nDELIMITER ;\r\nSELECT 3;\r\n"
    assert split_sql(script, "mysql") == ["SELECT 1; SELECT 2", "SELECT 3"]


def test_mysql_delimiter_without_argument() -> None:
    with pytest.raises(SqlSplitError, match="line 2: DELIMITER needs an argument"):
        split_sql("SELECT 1;\nDELIMITER \n", "mysql")


def test_mysql_delimiter_with_backslash() -> None:
    with pytest.raises(SqlSplitError, match="backslash"):
        split_sql("DELIMITER \\\\\n", "mysql")
