package dev.cloudwarden;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class CloudwardenApplication {

    public static void main(String[] args) {
        SpringApplication.run(CloudwardenApplication.class, args);
    }
}
