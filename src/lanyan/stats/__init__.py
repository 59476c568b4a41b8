"""Fire statistics (火灾统计) and fire investigation (火灾调查): the decision-support domain that
keeps one record per fire with the statistics fields, analyses them, and follows each fire's
investigation case from opening to closure."""
