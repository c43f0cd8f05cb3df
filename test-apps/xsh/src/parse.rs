//! A typed line into what to run: commands separated by `;`, each a
//! pipeline of programs joined by `|`, each program its words and its
//! redirections (`< FILE`, `> FILE`, `>> FILE`). Words split at blanks;
//! `'...'` keeps everything as it is, `"..."` keeps blanks and expands
//! variables; `$NAME` and `${NAME}` expand, `$?` is the last exit code; `#`
//! at the start of a word begins a comment.

/// One program of a pipeline.
#[derive(Debug, PartialEq, Default)]
pub struct Program {
    pub words: Vec<String>,
    pub input: Option<String>,
    /// The file, and whether to append to it.
    pub output: Option<(String, bool)>,
}

/// Programs whose output goes to the next one's input.
pub type Pipeline = Vec<Program>;

/// `line` cut at each `;` outside quotes, up to a `#` comment: the
/// commands to parse one after the other, each when the one before it has
/// ended (so each sees the `$?` of the one before).
pub fn commands(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut quote, mut escaped, mut word_started) = (0, None, false, false);
    for (i, c) in line.char_indices() {
        match (quote, c) {
            _ if escaped => escaped = false,
            (None, '\\') | (Some('"'), '\\') => escaped = true,
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ';') => {
                out.push(&line[start..i]);
                start = i + 1;
            }
            (None, '#') if !word_started => return finish(out, &line[start..i]),
            _ => {}
        }
        word_started = quote.is_some() || !(c.is_whitespace() || (quote.is_none() && matches!(c, ';' | '|' | '<' | '>')));
    }
    finish(out, &line[start..])
}

fn finish<'a>(mut out: Vec<&'a str>, last: &'a str) -> Vec<&'a str> {
    out.push(last);
    out.retain(|c| !c.trim().is_empty());
    out
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Pipe,
    Semicolon,
    From,
    To,
    Append,
}

/// The pipelines of `line`, with `$NAME` looked up by `var`.
pub fn line(line: &str, var: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Pipeline>, String> {
    let mut pipelines = Vec::new();
    let mut pipeline: Pipeline = Vec::new();
    let mut program = Program::default();
    let mut tokens = tokens(line, var)?.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            Token::Word(w) => program.words.push(w),
            Token::From | Token::To | Token::Append => {
                let Some(Token::Word(file)) = tokens.next() else {
                    return Err("a redirection needs a file name".to_string());
                };
                match token {
                    Token::From => program.input = Some(file),
                    _ => program.output = Some((file, token == Token::Append)),
                }
            }
            Token::Pipe | Token::Semicolon => {
                if program.words.is_empty() {
                    return Err(format!("nothing before `{}`", if token == Token::Pipe { "|" } else { ";" }));
                }
                pipeline.push(std::mem::take(&mut program));
                if token == Token::Semicolon {
                    pipelines.push(std::mem::take(&mut pipeline));
                } else if tokens.peek().is_none() {
                    return Err("nothing after `|`".to_string());
                }
            }
        }
    }
    if !program.words.is_empty() {
        pipeline.push(program);
    } else if program.input.is_some() || program.output.is_some() {
        return Err("a redirection with no program".to_string());
    }
    if !pipeline.is_empty() {
        pipelines.push(pipeline);
    }
    Ok(pipelines)
}

fn tokens(line: &str, var: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    // The word being read, and whether it has begun (`''` is a word).
    let mut word = String::new();
    let mut in_word = false;
    let end_word = |out: &mut Vec<Token>, word: &mut String, in_word: &mut bool| {
        if std::mem::take(in_word) {
            out.push(Token::Word(std::mem::take(word)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => end_word(&mut out, &mut word, &mut in_word),
            '#' if !in_word => break,
            '|' | ';' | '<' => {
                end_word(&mut out, &mut word, &mut in_word);
                out.push(match c {
                    '|' => Token::Pipe,
                    ';' => Token::Semicolon,
                    _ => Token::From,
                });
            }
            '>' => {
                end_word(&mut out, &mut word, &mut in_word);
                out.push(if chars.next_if_eq(&'>').is_some() { Token::Append } else { Token::To });
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("a ' is not closed".to_string()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('$') => word.push_str(&variable(&mut chars, var)),
                        Some('\\') if matches!(chars.peek(), Some('"' | '\\' | '$')) => word.push(chars.next().unwrap_or('\\')),
                        Some(c) => word.push(c),
                        None => return Err("a \" is not closed".to_string()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            '$' => {
                in_word = true;
                word.push_str(&variable(&mut chars, var));
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    end_word(&mut out, &mut word, &mut in_word);
    Ok(out)
}

/// After a `$`: the variable's value (empty if unset); a `$` that starts
/// no name stays a `$`.
fn variable(chars: &mut std::iter::Peekable<std::str::Chars>, var: &dyn Fn(&str) -> Option<String>) -> String {
    let mut name = String::new();
    if chars.next_if_eq(&'?').is_some() {
        name.push('?');
    } else if chars.next_if_eq(&'{').is_some() {
        while let Some(c) = chars.next_if(|c| *c != '}') {
            name.push(c);
        }
        chars.next();
    } else {
        while let Some(c) = chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_') {
            name.push(c);
        }
    }
    match name.is_empty() {
        true => "$".to_string(),
        false => var(&name).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "?" => Some("3".to_string()),
            "HOME" => Some("/home".to_string()),
            _ => None,
        }
    }

    fn program(words: &[&str]) -> Program {
        Program { words: words.iter().map(|w| w.to_string()).collect(), ..Program::default() }
    }

    #[test]
    fn words_quotes_and_variables() {
        let got = line("echo  'a  b' \"$HOME x\" $? ${HOME}/y $NOPE '' \\$ # a comment", &vars).unwrap();
        assert_eq!(got, vec![vec![program(&["echo", "a  b", "/home x", "3", "/home/y", "", "", "$"])]]);
        assert_eq!(line("   ", &vars).unwrap(), Vec::<Pipeline>::new());
        assert_eq!(line("echo 'open", &vars), Err("a ' is not closed".to_string()));
    }

    #[test]
    fn a_line_is_cut_into_commands_outside_quotes() {
        assert_eq!(commands("false; echo \"a;b\" 'c;d' e\\;f ; ls # x; y"), vec!["false", " echo \"a;b\" 'c;d' e\\;f ", " ls "]);
        assert_eq!(commands("echo a#b; # all a comment"), vec!["echo a#b"]);
        assert_eq!(commands("  ;; "), Vec::<&str>::new());
    }

    #[test]
    fn pipes_redirections_and_sequences() {
        let got = line("cat < in | sort >> out; ls>x", &vars).unwrap();
        let cat = Program { input: Some("in".to_string()), ..program(&["cat"]) };
        let sort = Program { output: Some(("out".to_string(), true)), ..program(&["sort"]) };
        let ls = Program { output: Some(("x".to_string(), false)), ..program(&["ls"]) };
        assert_eq!(got, vec![vec![cat, sort], vec![ls]]);
        assert!(line("| cat", &vars).is_err());
        assert!(line("cat |", &vars).is_err());
        assert!(line("cat >", &vars).is_err());
        assert!(line("> x", &vars).is_err());
    }
}
