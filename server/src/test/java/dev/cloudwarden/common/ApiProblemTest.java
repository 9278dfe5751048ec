package dev.cloudwarden.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The two texts of a problem: the API's, naming the field for a program, and the console's sentence for people. */
class ApiProblemTest {

    @Test
    void theSentenceNamesTheFieldInWordsWithItsAcronymsInCapitals() {
        ApiProblem arn = ApiProblem.invalid("roleArn", "must be an IAM role ARN");
        assertThat(arn.getMessage()).isEqualTo("roleArn: must be an IAM role ARN");
        assertThat(arn.forPeople()).isEqualTo("Role ARN must be an IAM role ARN.");
        assertThat(ApiProblem.invalid("cloudAccountId", "is not an account of yours").forPeople())
                .isEqualTo("Cloud account ID is not an account of yours.");
        assertThat(ApiProblem.invalid("parameters.regions", "names an unknown region").forPeople()).isEqualTo("Regions: names an unknown region.");
        assertThat(ApiProblem.invalid("password", "appears in a list of breached passwords; choose another").forPeople())
                .isEqualTo("Password appears in a list of breached passwords. Choose another.");
        assertThat(ApiProblem.invalid("identity", "is required").forPeople()).as("an acronym only as a whole word").isEqualTo("Identity is required.");
    }
}
