"""Public tests: the candidate may run these while answering."""


def test_the_answer_has_a_report_step(sql):
    assert sql.step_names() == ["report"]
